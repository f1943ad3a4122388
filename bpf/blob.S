/* The XDP object, embedded so the agent ships as one static file. */
	.section .rodata
	.balign 8
	.global huginn_bpf_obj
huginn_bpf_obj:
	.incbin HUGINN_BPF_OBJ_PATH
	.global huginn_bpf_obj_end
huginn_bpf_obj_end:
	.section .note.GNU-stack,"",@progbits
