/*
 * test_toml.c - vectors for the TOML-subset reader: each input is rendered as a compact
 * event trace (or the exact error with line:column) and compared.  Inputs sit right
 * before a PROT_NONE page, so reading past the end faults.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/toml.h"
#include "test/harness.h"

struct trace {
	char s[4096];
	size_t n;
	int fail_on; /* make the callback fail at this event number (1-based), 0 = never */
	int events;
};

static void add(struct trace *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct trace *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->s + t->n, sizeof(t->s) - t->n, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->n += (size_t)n < sizeof(t->s) - t->n ? (size_t)n : sizeof(t->s) - t->n - 1;
}

static void add_path(struct trace *t, const struct toml_event *ev)
{
	for (unsigned int i = 0; i < ev->nseg; i++) {
		add(t, "%s%.*s", i ? "." : "", (int)ev->seg[i].len, ev->seg[i].s);
		if (ev->seg[i].index >= 0)
			add(t, "#%d", ev->seg[i].index);
	}
}

static void add_val(struct trace *t, const struct toml_value *v)
{
	switch (v->type) {
	case TOML_STRING:
		add(t, "s'");
		for (size_t i = 0; i < v->len; i++) {
			unsigned char c = (unsigned char)v->s[i];

			if (c >= 0x20 && c < 0x7f && c != '\\')
				add(t, "%c", c);
			else
				add(t, "\\%02x", c);
		}
		add(t, "'");
		break;
	case TOML_INTEGER:
		add(t, "i%lld", (long long)v->i);
		break;
	case TOML_BOOLEAN:
		add(t, "b%d", v->b);
		break;
	default:
		add(t, "?");
	}
}

static int cb(void *ctx, const struct toml_event *ev)
{
	struct trace *t = ctx;

	if (++t->events == t->fail_on)
		return toml_fail(ev, ev->line, ev->col, "stop at event %d", t->events);
	switch (ev->kind) {
	case TOML_EV_TABLE:
		add(t, "[");
		add_path(t, ev);
		add(t, "] ");
		break;
	case TOML_EV_ARRAY_TABLE:
		add(t, "[[");
		add_path(t, ev);
		add(t, "]] ");
		break;
	case TOML_EV_VALUE:
		add_path(t, ev);
		add(t, "=");
		add_val(t, &ev->val);
		add(t, " ");
		break;
	case TOML_EV_ARRAY_BEGIN:
		add_path(t, ev);
		add(t, "=( ");
		break;
	case TOML_EV_ARRAY_ITEM:
		add_val(t, &ev->val);
		add(t, " ");
		break;
	case TOML_EV_ARRAY_END:
		add(t, ")%u ", ev->item);
		break;
	}
	return 0;
}

/* Parse in (of length len) and return the trace or "ERR <message>" in a static buffer. */
static const char *run_len(const char *in, size_t len, int fail_on)
{
	static char out[4200];
	static struct trace t;
	char err[256];
	unsigned char *g = t_guarded(in, len);
	int r;

	memset(&t, 0, sizeof(t));
	t.fail_on = fail_on;
	if (!g)
		return "guard failed";
	r = toml_parse((const char *)g, len, "t", cb, &t, err, sizeof(err));
	t_guarded_free(g, len);
	if (r < 0)
		snprintf(out, sizeof(out), "ERR %s", err);
	else
		snprintf(out, sizeof(out), "%.*s",
			 t.n && t.s[t.n - 1] == ' ' ? (int)t.n - 1 : (int)t.n, t.s);
	return out;
}

static const char *run(const char *in)
{
	return run_len(in, strlen(in), 0);
}

#define OK(in, want) is_str(run(in), want, "ok: %s", #in)
#define ERR(in, want) is_str(run(in), "ERR " want, "err: %s", #in)

static void test_valid(void)
{
	OK("", "");
	OK("\n\n  \t\n# only a comment\n", "");
	OK("a = 1", "a=i1");
	OK("a=1\n", "a=i1");
	OK("a = 1 # trailing comment\r\nb = 2\r\n", "a=i1 b=i2");
	OK("\xef\xbb\xbf[t]\nk = 1", "[t] t.k=i1");
	OK("[t]\nk = \"v\"", "[t] t.k=s'v'");
	OK("[ t . u ]\nk = true\nl = false", "[t.u] t.u.k=b1 t.u.l=b0");
	OK("[[r]]\na=1\n[[r]]\na=2", "[[r#0]] r#0.a=i1 [[r#1]] r#1.a=i2");
	OK("[[r]]\n[r.sub]\nx=1\n[[r]]\n[r.sub]\nx=2",
	   "[[r#0]] [r#0.sub] r#0.sub.x=i1 [[r#1]] [r#1.sub] r#1.sub.x=i2");
	OK("[a.b]\nx=1\n[a]\ny=2", "[a.b] a.b.x=i1 [a] a.y=i2");
	OK("a.b.c = 1\na.b.d = 2\na.e = 3", "a.b.c=i1 a.b.d=i2 a.e=i3");
	OK("[t]\na.b = 1\n[t.a.c]\nz=1", "[t] t.a.b=i1 [t.a.c] t.a.c.z=i1");
	OK("\"quoted key\" = 1\n'lit.key' = 2\n\"\" = 3", "quoted key=i1 lit.key=i2 =i3");
	OK("a-b_C9 = 1\n1234 = 2", "a-b_C9=i1 1234=i2");
	/* strings */
	OK("s = \"a\\\"b\\\\c\\nd\\te\\b\\f\\r\"", "s=s'a\"b\\5cc\\0ad\\09e\\08\\0c\\0d'");
	OK("s = \"\\u00e9\\u20AC\\U0001F600\"", "s=s'\\c3\\a9\\e2\\82\\ac\\f0\\9f\\98\\80'");
	OK("s = \"\\u0000\"", "s=s'\\00'");
	OK("s = 'C:\\path\\n'", "s=s'C:\\5cpath\\5cn'");
	OK("s = \"\"\nt = ''", "s=s'' t=s''");
	OK("s = \"tab\tinside\"", "s=s'tab\\09inside'");
	OK("s = \"h\xc3\xa9\"", "s=s'h\\c3\\a9'");
	OK("s = \"# not a comment\"", "s=s'# not a comment'");
	/* integers */
	OK("i = 0\nj = +0\nk = -0\nl = 42\nm = -17\nn = +99", "i=i0 j=i0 k=i0 l=i42 m=i-17 n=i99");
	OK("i = 1_000_000", "i=i1000000");
	OK("i = 9223372036854775807", "i=i9223372036854775807");
	OK("i = -9223372036854775808", "i=i-9223372036854775808");
	OK("h = 0xDEAD_beef\no = 0o755\nb = 0b1010\nz = 0x0001", "h=i3735928559 o=i493 b=i10 z=i1");
	OK("h = 0x7fffffffffffffff", "h=i9223372036854775807");
	/* arrays */
	OK("a = []", "a=( )0");
	OK("a = [1, 2, 3]", "a=( i1 i2 i3 )3");
	OK("a = [ \"x\", 'y', true, ]", "a=( s'x' s'y' b1 )3");
	OK("a = [\n  \"x\", # first\n\n  \"y\"  # second\n  ,\n]\nb = 1", "a=( s'x' s'y' )2 b=i1");
	OK("a = [\r\n1,\r\n2\r\n]", "a=( i1 i2 )2");
}

static void test_errors(void)
{
	/* syntax */
	ERR("=1", "t:1:1: expected a key");
	ERR("a", "t:1:2: expected '=' after key");
	ERR("a =", "t:1:4: expected a value");
	ERR("a = 1 2", "t:1:7: expected end of line after value");
	ERR("a = 1\nb = 2 x", "t:2:7: expected end of line after value");
	ERR("a.=1", "t:1:3: expected a key");
	ERR("a = 1\r", "t:1:6: bare carriage return");
	ERR("a = 1\rb = 2", "t:1:6: bare carriage return");
	ERR("# c\r\n# \x01\n", "t:2:3: control character in comment");
	ERR("a = 1\n\xff", "t:2:1: invalid UTF-8");
	ERR("a = 1\n\xef\xbb\xbf", "t:2:1: expected a key");
	ERR("a = \"\xc0\xaf\"", "t:1:6: invalid UTF-8");
	ERR("a = \"\xed\xa0\x80\"", "t:1:6: invalid UTF-8");
	ERR("a = \"\xe2\x82\"", "t:1:6: invalid UTF-8");
	/* tables */
	ERR("[a", "t:1:3: expected ']' to close the table header");
	ERR("[[a]", "t:1:4: expected ']]' to close the table header");
	ERR("[]", "t:1:2: expected a key");
	ERR("[a] x", "t:1:5: expected end of line after table header");
	ERR("[a]\n[a]", "t:2:1: 'a' is already defined as a table");
	ERR("[a.b]\n[a]\n[a]", "t:3:1: 'a' is already defined as a table");
	ERR("a = 1\n[a]", "t:2:1: 'a' is already defined as a value");
	ERR("a = 1\n[a.b]", "t:2:2: key 'a' is not a table");
	ERR("[a]\n[[a]]", "t:2:1: 'a' is already defined as a table");
	ERR("[[a]]\n[a]", "t:2:1: 'a' is already defined as an array of tables");
	ERR("a.b = 1\n[a]", "t:2:1: 'a' is already defined as a table");
	ERR("[t]\na.b = 1\n[t.a]", "t:3:1: 't.a' is already defined as a table");
	ERR("[a.b]\n[a]\nb.c = 1", "t:3:1: key 'b' is already defined as a table");
	/* keys */
	ERR("a = 1\na = 2", "t:2:1: duplicate key 'a'");
	ERR("a = 1\n\"a\" = 2", "t:2:1: duplicate key 'a'");
	ERR("a.b = 1\na.b = 2", "t:2:1: duplicate key 'a.b'");
	ERR("a = 1\na.b = 2", "t:2:1: key 'a' is already defined as a value");
	ERR("[[r]]\nx=1\nx=2", "t:3:1: duplicate key 'x'");
	ERR("a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q = 1", "t:1:33: key has too many parts (max 16)");
	/* strings */
	ERR("a = \"abc", "t:1:5: unterminated string");
	ERR("a = \"abc\nb = 1", "t:1:5: unterminated string");
	ERR("a = 'abc", "t:1:5: unterminated string");
	ERR("a = \"\\", "t:1:5: unterminated string");
	ERR("a = \"\\x41\"", "t:1:6: invalid escape");
	ERR("a = \"\\u12\"", "t:1:6: \\u escape needs 4 hex digits");
	ERR("a = \"\\U0000004\"", "t:1:6: \\U escape needs 8 hex digits");
	ERR("a = \"\\uD800\"", "t:1:6: escape is not a unicode scalar value");
	ERR("a = \"\\U00110000\"", "t:1:6: escape is not a unicode scalar value");
	ERR("a = \"x\x01\"", "t:1:7: control character in string");
	ERR("a = 'x\x7f'", "t:1:7: control character in string");
	ERR("a = \"\"\"x\"\"\"", "t:1:5: multi-line strings are not supported");
	ERR("a = '''x'''", "t:1:5: multi-line strings are not supported");
	ERR("\"a\nb\" = 1", "t:1:1: unterminated string");
	/* integers */
	ERR("i = 9223372036854775808", "t:1:5: integer out of range");
	ERR("i = -9223372036854775809", "t:1:5: integer out of range");
	ERR("i = 0x8000000000000000", "t:1:5: integer out of range");
	ERR("i = 99999999999999999999999", "t:1:5: integer out of range");
	ERR("i = 01", "t:1:5: leading zeros are not allowed");
	ERR("i = 0_1", "t:1:5: leading zeros are not allowed");
	ERR("i = 1__2", "t:1:7: '_' must be between digits");
	ERR("i = 1_", "t:1:7: '_' must be between digits");
	ERR("i = 0x_1", "t:1:7: '_' must be between digits");
	ERR("i = -0x1", "t:1:5: sign not allowed on 0x/0o/0b integers");
	ERR("i = 0x", "t:1:5: invalid integer");
	ERR("i = 0o8", "t:1:5: invalid integer");
	ERR("i = +", "t:1:5: invalid integer");
	ERR("i = 12abc", "t:1:7: invalid character in integer");
	ERR("i = 0b102", "t:1:9: invalid character in integer");
	ERR("f = 3.14", "t:1:5: floats are not supported");
	ERR("f = 1e5", "t:1:5: floats are not supported");
	ERR("f = inf", "t:1:5: floats are not supported");
	ERR("f = -nan", "t:1:6: floats are not supported");
	ERR("d = 1979-05-27", "t:1:5: dates and times are not supported");
	/* other values */
	ERR("b = True", "t:1:5: expected a value");
	ERR("b = truex", "t:1:5: expected a value");
	ERR("b = tru", "t:1:5: expected a value");
	ERR("t = { a = 1 }", "t:1:5: inline tables are not supported");
	ERR("a = [[1]]", "t:1:6: nested arrays are not supported");
	ERR("a = [1 2]", "t:1:8: expected ',' or ']' in array");
	ERR("a = [1,,2]", "t:1:8: expected a value");
	ERR("a = [,]", "t:1:6: expected a value");
	ERR("a = [1,", "t:1:5: unterminated array");
	ERR("a = [1", "t:1:5: unterminated array");
	ERR("a = [\n1,\n# c\n", "t:1:5: unterminated array");
	ERR("a = [1]x", "t:1:8: expected end of line after value");
}

static void test_positions(void)
{
	const char *in = "# c\n[t]\n  key = [ 1,\n\t\"two\" ]\n";
	struct trace t = {0};
	char err[128];

	is_int(toml_parse(in, strlen(in), NULL, cb, &t, err, sizeof(err)), 0, "positions parse");
	/* A callback failing at the second item reports where that item starts. */
	is_str(run_len(in, strlen(in), 3), "ERR t:3:3: stop at event 3",
	       "fail at array begin: key pos");
	is_str(run_len(in, strlen(in), 1), "ERR t:2:1: stop at event 1",
	       "fail at table: header pos");
}

/* Each item's value position, through a callback that records it. */
static int pos_cb(void *ctx, const struct toml_event *ev)
{
	char *o = ctx;
	size_t n = strlen(o);

	snprintf(o + n, 256 - n, "%d:%u:%u/%u:%u ", ev->kind, ev->line, ev->col, ev->vline,
		 ev->vcol);
	return 0;
}

static void test_value_positions(void)
{
	const char *in = "[s]\n  k = 5\n  a = [ 1,\n\t\"two\" ]\n";
	char o[256] = "", err[128];

	is_int(toml_parse(in, strlen(in), "p", pos_cb, o, err, sizeof(err)), 0, "value positions");
	is_str(o, "0:1:1/1:1 2:2:3/2:7 3:3:3/3:7 4:3:3/3:9 4:3:3/4:2 5:3:3/3:7 ",
	       "lines and columns of keys, values and items");
}

static void test_limits(void)
{
	char *buf;
	size_t n;
	char err[128];
	int r;

	/* Input size. */
	buf = calloc(1, TOML_MAX_INPUT + 2);
	memset(buf, '\n', TOML_MAX_INPUT + 1);
	r = toml_parse(buf, TOML_MAX_INPUT + 1, "big", cb, NULL, err, sizeof(err));
	is_int(r, -E2BIG, "over max input: -E2BIG");
	is_str(err, "big: file too large (max 1048576 bytes)", "over max input: message");
	{
		struct trace t = {0};

		r = toml_parse(buf, TOML_MAX_INPUT, "big", cb, &t, err, sizeof(err));
		is_int(r, 0, "exactly max input of blank lines: ok");
	}

	/* String length: max fits, max + 1 does not. */
	n = (size_t)sprintf(buf, "s = \"");
	memset(buf + n, 'x', TOML_MAX_STRING);
	strcpy(buf + n + TOML_MAX_STRING, "\"");
	is_int(strncmp(run(buf), "s=s'xxx", 7), 0, "string of max length accepted");
	n = (size_t)sprintf(buf, "s = \"");
	memset(buf + n, 'x', TOML_MAX_STRING + 1);
	strcpy(buf + n + TOML_MAX_STRING + 1, "\"");
	is_str(run(buf), "ERR t:1:8198: string too long (max 8192 bytes)", "string over max");

	/* Key length. */
	memset(buf, 'k', TOML_MAX_KEY + 1);
	strcpy(buf + TOML_MAX_KEY + 1, " = 1");
	is_str(run(buf), "ERR t:1:257: key too long (max 256 bytes)", "bare key over max");
	buf[0] = '"';
	memset(buf + 1, 'k', TOML_MAX_KEY + 1);
	strcpy(buf + TOML_MAX_KEY + 2, "\" = 1");
	is_str(run(buf), "ERR t:1:258: key too long (max 256 bytes)", "quoted key over max");

	/* Array length. */
	n = (size_t)sprintf(buf, "a = [");
	for (int i = 0; i < TOML_MAX_ARRAY + 1; i++)
		n += (size_t)sprintf(buf + n, "1,");
	strcpy(buf + n, "]");
	is_str(run(buf), "ERR t:1:2054: array has too many items (max 1024)", "array over max");

	/* Many keys: past the node table's capacity. */
	n = 0;
	for (int i = 0; i < TOML_MAX_KEYS + 1; i++)
		n += (size_t)sprintf(buf + n, "k%d=1\n", i);
	is_str(run(buf), "ERR t:8193:1: too many keys (max 8192)", "too many keys");

	/* Table nesting through headers. */
	strcpy(buf, "[a.b.c.d.e.f.g.h]\n[a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p]\nx.y = 1");
	is_str(run(buf), "ERR t:3:1: key nested too deeply (max 16)", "nesting too deep");
	free(buf);
}

static void test_callback_stop(void)
{
	char err[64];
	int r;

	is_str(run_len("a = 1\nb = 2\n", 12, 2), "ERR t:2:1: stop at event 2", "callback stop");
	/* err may be NULL. */
	r = toml_parse("a = ", 4, NULL, cb, &(struct trace){0}, NULL, 0);
	is_int(r, -EINVAL, "error without a buffer");
	/* A short buffer truncates, still terminated. */
	r = toml_parse("a = ", 4, "name", cb, &(struct trace){0}, err, 10);
	is_int(r, -EINVAL, "short error buffer: status");
	is_str(err, "name:1:5:", "short error buffer: truncated");
	is_str(toml_type_name(TOML_BOOLEAN), "boolean", "type name");
}

/* Every prefix of a valid document either parses or fails cleanly (guarded, no over-read). */
static void test_prefixes(void)
{
	const char *doc = "# x\n[server]\nworkers = 2\n[[r]]\na = [ \"x\\u00e9\", 'y', -3, 0x1f, "
			  "true ]\nb.c = \"q\"\n";
	size_t len = strlen(doc);
	int crashes = 0;

	for (size_t i = 0; i <= len; i++) {
		const char *r = run_len(doc, i, 0);

		if (!r)
			crashes++;
	}
	ok(crashes == 0, "every prefix of a document parses or fails cleanly");
	is_str(run(doc),
	       "[server] server.workers=i2 [[r#0]] r#0.a=( s'x\\c3\\a9' s'y' i-3 i31 b1 )5 "
	       "r#0.b.c=s'q'",
	       "the full document");
}

int main(void)
{
	test_valid();
	test_errors();
	test_positions();
	test_value_positions();
	test_limits();
	test_callback_stop();
	test_prefixes();
	return done_testing();
}
