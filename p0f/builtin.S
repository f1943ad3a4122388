/* huginn's signature database (p0f/huginn.fp), embedded so the proxy needs no file
 * (see p0f/builtin.h).  The path comes from the Makefile (HUGINN_FP_PATH). */
	.section .rodata
	.global p0f_builtin_fp
p0f_builtin_fp:
	.incbin HUGINN_FP_PATH
	.global p0f_builtin_fp_end
p0f_builtin_fp_end:
	.section .note.GNU-stack,"",@progbits
