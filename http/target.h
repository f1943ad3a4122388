/*
 * target.h - the request-target as routing sees it: dot segments resolved, spellings that
 * a backend could resolve differently refused.  Pure functions over the caller's bytes,
 * no allocation, no I/O.
 *
 * Why: routing compares the path with a route's prefix byte for byte, and replace_path
 * substitutes that prefix.  A path such as "/api/../admin" matches "/api/" but a backend
 * resolves it to "/admin"; after replace_path it would leave as "/v1/../admin".  So the
 * path is normalised before the route is chosen (RFC 3986 5.2.4, remove_dot_segments),
 * with percent-encoded dots ("%2e", "%2E") counted as dots (RFC 3986 2.3 and 6.2.2.2: an
 * encoded unreserved character is the same character), and the request is refused where
 * no single reading is safe:
 *   - a '#' anywhere in the target (RFC 9112 3.2: a request-target carries no fragment);
 *   - "%00" anywhere (NUL ends strings in many backends);
 *   - in the path: "%2f"/"%2F" (an encoded '/' that a decoding backend turns into a
 *     separator after our resolution), '\' and "%5c"/"%5C" (a separator on some servers);
 *   - a ".." that would climb above the root ("/../x").
 * The query is kept as sent; only '#' and "%00" are looked for in it.
 */
#ifndef HUGINN_HTTP_TARGET_H
#define HUGINN_HTTP_TARGET_H

#include <stddef.h>

/*
 * Normalise the path of the request-target t[0..n) in place.  form is the parser's
 * enum http_target_form: origin-form and absolute-form have their path resolved
 * (absolute-form keeps its scheme and authority), authority- and asterisk-form pass
 * unchanged.  The result is never longer than the input; what follows the path (the
 * query) moves up behind it.  Returns the new length (>= 1), or -EINVAL with *why (may
 * be NULL) set to a constant string naming the reason.
 */
long http_target_normalize(char *t, size_t n, int form, const char **why);

/*
 * 1 if the path p[0..n) (no query) holds a dot segment: ".", "..", or their spellings
 * with "%2e"/"%2E".  For checking a path after replace_path was substituted.
 */
int http_target_has_dot_segment(const char *p, size_t n);

#endif
