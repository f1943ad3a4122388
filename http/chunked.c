/*
 * chunked.c - streaming decoder for the chunked transfer coding (RFC 9112 7.1), declared
 * in parse.h.  A byte-at-a-time state machine whose whole state lives in struct
 * http_chunked, so callers never keep partial chunk lines: every byte given is consumed,
 * payload runs are handed back as slices of the caller's buffer.
 *
 * Strict: no whitespace anywhere on a chunk line (not even the BWS RFC 9112 allows before
 * ';'), bounded chunk-size digits and value, bounded extensions, CRLF after every data run,
 * trailer fields with the head's field rules.  Not here: interpreting extensions or
 * trailer fields (the proxy forwards them as they are).
 */
#include <string.h>

#include "http/parse.h"

/* RFC 9110 5.6.2 tchar, as a bitmap over 0x00-0x7f */
static const uint32_t tchar_map[4] = {
    0x00000000, 0x03ff6cfa, /* 0-9 ! # $ % & ' * + - . */
    0xc7fffffe,		    /* A-Z ^ _ */
    0x57ffffff,		    /* ` a-z | ~ */
};

static int is_tchar(unsigned char c)
{
	return c < 0x80 && (tchar_map[c >> 5] >> (c & 31) & 1);
}

static int is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* field-value byte: VCHAR, obs-text, SP, HTAB */
static int is_fval(unsigned char c)
{
	return (c >= 0x20 && c != 0x7f) || c == '\t';
}

/* qdtext: HTAB, SP, 0x21, 0x23-0x5b, 0x5d-0x7e, obs-text */
static int is_qdtext(unsigned char c)
{
	return is_fval(c) && c != '"' && c != '\\';
}

/* Chunked decoder states (RFC 9112 7.1). */
enum {
	CS_SIZE0,     /* first hex digit of chunk-size */
	CS_SIZE,      /* more hex digits, ';' or CR */
	CS_EXT_NAME0, /* first tchar after ';' */
	CS_EXT_NAME,  /* tchar, '=', ';' or CR */
	CS_EXT_VAL0,  /* token or quoted-string after '=' */
	CS_EXT_TOKEN,
	CS_EXT_QUOTED,
	CS_EXT_QPAIR,  /* byte after a backslash inside quotes */
	CS_EXT_AFTERQ, /* ';' or CR after the closing quote */
	CS_SIZE_LF,    /* LF ending the chunk line */
	CS_DATA,
	CS_DATA_CR,
	CS_DATA_LF,
	CS_TR_LINE0, /* start of a trailer line, or the final CR */
	CS_TR_NAME,
	CS_TR_VALUE,
	CS_TR_LF,
	CS_END_LF,
	CS_DONE,
};

void http_chunked_init(struct http_chunked *c, uint64_t max_total)
{
	memset(c, 0, sizeof(*c));
	c->max_total = max_total;
	c->state = CS_SIZE0;
}

/* The chunk line is complete: account for it and move to data or trailers. */
static int chunk_line_done(struct http_chunked *c)
{
	if (c->size == 0) {
		c->last = 1;
		c->state = CS_TR_LINE0;
		return 0;
	}
	/* refused before any of its data is passed on */
	if (c->max_total && c->size > c->max_total - c->total)
		return HTTP_E_BODY_TOO_LARGE;
	c->remaining = c->size;
	c->state = CS_DATA;
	return 0;
}

long http_chunked_parse(struct http_chunked *c, const char *buf, size_t len,
			struct http_slice *data)
{
	size_t i = 0, n;
	unsigned char ch;
	int rc;

	data->p = buf;
	data->n = 0;
	while (i < len && c->state != CS_DONE) {
		if (c->state == CS_DATA) {
			n = len - i;
			if (n > c->remaining)
				n = (size_t)c->remaining;
			data->p = buf + i;
			data->n = n;
			c->remaining -= n;
			c->total += n;
			if (!c->remaining)
				c->state = CS_DATA_CR;
			return (long)(i + n);
		}
		ch = (unsigned char)buf[i++];
		if (c->state >= CS_EXT_NAME0 && c->state <= CS_EXT_AFTERQ && ch != '\r' &&
		    ++c->ext_len > HTTP_CHUNK_MAX_EXT)
			return HTTP_E_CHUNK_EXT;
		if (c->state >= CS_TR_LINE0 && ++c->trailer_bytes > HTTP_CHUNK_MAX_TRAILER)
			return HTTP_E_TRAILER_TOO_LARGE;
		switch (c->state) {
		case CS_SIZE0:
		case CS_SIZE:
			if (is_hex(ch)) {
				/* leading zeros count too: a bounded line, no overflow possible */
				if (++c->digits > HTTP_CHUNK_MAX_DIGITS ||
				    c->size >= HTTP_CHUNK_MAX_SIZE >> 4)
					return HTTP_E_CHUNK_SIZE;
				c->size = c->size << 4 |
					  (uint64_t)(ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10);
				c->state = CS_SIZE;
			} else if (c->state == CS_SIZE && ch == ';') {
				c->state = CS_EXT_NAME0;
			} else if (c->state == CS_SIZE && ch == '\r') {
				c->state = CS_SIZE_LF;
			} else {
				/* whitespace (even BWS before ';'), "0x", signs, bare LF */
				return HTTP_E_CHUNK_SIZE;
			}
			break;
		case CS_EXT_NAME0:
			if (!is_tchar(ch))
				return HTTP_E_CHUNK_EXT;
			c->state = CS_EXT_NAME;
			break;
		case CS_EXT_NAME:
		case CS_EXT_TOKEN:
			if (is_tchar(ch))
				break;
			if (ch == '=' && c->state == CS_EXT_NAME)
				c->state = CS_EXT_VAL0;
			else if (ch == ';')
				c->state = CS_EXT_NAME0;
			else if (ch == '\r')
				c->state = CS_SIZE_LF;
			else
				return HTTP_E_CHUNK_EXT;
			break;
		case CS_EXT_VAL0:
			if (ch == '"')
				c->state = CS_EXT_QUOTED;
			else if (is_tchar(ch))
				c->state = CS_EXT_TOKEN;
			else
				return HTTP_E_CHUNK_EXT;
			break;
		case CS_EXT_QUOTED:
			if (ch == '"')
				c->state = CS_EXT_AFTERQ;
			else if (ch == '\\')
				c->state = CS_EXT_QPAIR;
			else if (!is_qdtext(ch))
				return HTTP_E_CHUNK_EXT; /* CR inside quotes too */
			break;
		case CS_EXT_QPAIR:
			if (!is_fval(ch))
				return HTTP_E_CHUNK_EXT;
			c->state = CS_EXT_QUOTED;
			break;
		case CS_EXT_AFTERQ:
			if (ch == ';')
				c->state = CS_EXT_NAME0;
			else if (ch == '\r')
				c->state = CS_SIZE_LF;
			else
				return HTTP_E_CHUNK_EXT;
			break;
		case CS_SIZE_LF:
			if (ch != '\n')
				return HTTP_E_LINE_END;
			rc = chunk_line_done(c);
			if (rc)
				return rc;
			break;
		case CS_DATA_CR:
			if (ch != '\r')
				return HTTP_E_CHUNK_END;
			c->state = CS_DATA_LF;
			break;
		case CS_DATA_LF:
			if (ch != '\n')
				return HTTP_E_CHUNK_END;
			c->state = CS_SIZE0;
			c->size = 0;
			c->digits = 0;
			c->ext_len = 0;
			break;
		case CS_TR_LINE0:
			if (ch == '\r')
				c->state = CS_END_LF;
			else if (is_tchar(ch))
				c->state = CS_TR_NAME;
			else
				return HTTP_E_TRAILER; /* obs-fold, empty name, bare LF */
			break;
		case CS_TR_NAME:
			if (ch == ':')
				c->state = CS_TR_VALUE;
			else if (!is_tchar(ch))
				return HTTP_E_TRAILER;
			break;
		case CS_TR_VALUE:
			if (ch == '\r')
				c->state = CS_TR_LF;
			else if (!is_fval(ch))
				return HTTP_E_TRAILER;
			break;
		case CS_TR_LF:
			if (ch != '\n')
				return HTTP_E_LINE_END;
			c->state = CS_TR_LINE0;
			break;
		case CS_END_LF:
			if (ch != '\n')
				return HTTP_E_LINE_END;
			c->state = CS_DONE;
			c->done = 1;
			break;
		default:
			return HTTP_E_SYNTAX;
		}
	}
	return (long)i;
}
