/* proxy.c - huginn-proxy main (placeholder until the engine lands; H6 replaces this file). */
#include <stdio.h>
#include <string.h>

#include "fingerprint.h"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "fingerprint") == 0)
		return fingerprint_main(argc - 1, argv + 1);
	fprintf(stderr, "huginn-proxy: the proxy engine is not built yet\n");
	return 2;
}
