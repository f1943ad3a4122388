/*
 * fuzz_p0f_ua.c - a User-Agent value (any bytes, any length) -> OS family, and the same
 * bytes taken as the hook's per-request input: the header lines of a connection.
 * Checks the families and results stay in their enums and the names exist.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "p0f/ua.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes: any read past it is an ASan report. */
	char *p = malloc(size ? size : 1);
	enum p0f_ua_os ua, lab;
	enum p0f_ua_result r;

	if (!p)
		return 0;
	memcpy(p, data, size);
	ua = p0f_ua_parse(p, size);
	lab = p0f_ua_label_os(p, size);
	if (ua >= P0F_UA_OS_MAX || lab >= P0F_UA_OS_MAX)
		abort();
	r = p0f_ua_compare(ua, lab);
	if (r >= P0F_UA_RESULT_MAX || !p0f_ua_result_name(r) || !p0f_ua_os_name(ua))
		abort();
	/* A User-Agent never has a label family of its own. */
	if (ua == P0F_UA_OS_LINUX_KERNEL || ua == P0F_UA_OS_DARWIN)
		abort();
	free(p);
	return 0;
}
