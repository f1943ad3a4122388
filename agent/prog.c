/*
 * prog.c - object, maps, filter and program load (prog.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "agent/prog.h"
#include "bpf/xdp_syn.h"
#include "sys/bpf.h"

#define err_str agent_state_strerror
#define log_err(...) agent_state_logf(a, LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) agent_state_logf(a, LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) agent_state_logf(a, LOG_LEVEL_INFO, __VA_ARGS__)

#define VLOG_BYTES (256 * 1024)

int agent_prog_open(struct agent_state *a)
{
	static const char *const syn_maps[] = {HUGINN_MAP_SYN_V4, HUGINN_MAP_SYN_V6};
	struct obj *o = &a->obj;
	size_t i;
	int err;

	/* Only the program of the configured mode: the other is never loaded. */
	err = obj_open_prog(o, a->blob, a->blob_len,
			    a->cfg.xdp_mode == AGENT_CFG_XDP_TC ? OBJ_PROG_TC : OBJ_PROG_XDP);
	if (err) {
		log_err("embedded BPF object rejected at byte %zu: %s (%s)", o->err_off,
			o->err ? o->err : "?", err_str(err));
		return err;
	}
	for (i = 0; i < sizeof(syn_maps) / sizeof(syn_maps[0]); i++) {
		struct obj_map *m = obj_map_by_name(o, syn_maps[i]);

		if (!m) {
			log_err("embedded BPF object has no map %s", syn_maps[i]);
			return -ENOENT;
		}
		m->max_entries = a->cfg.max_entries;
	}
	return 0;
}

int agent_prog_create_maps(struct agent_state *a)
{
	int err = obj_create_maps(&a->obj);

	if (err)
		log_err("cannot create the maps: %s%s", err_str(err),
			err == -EPERM ? " (needs CAP_BPF, or root)" : "");
	else if (a->obj.btf_err)
		log_warn("the kernel refused the maps' BTF (%s): maps created without type "
			 "information, so bpftool map dump prints raw bytes; capture is unaffected",
			 err_str(a->obj.btf_err));
	return err;
}

int agent_prog_write_filter(struct agent_state *a)
{
	struct obj_map *m = obj_map_by_name(&a->obj, HUGINN_MAP_CONFIG);
	struct huginn_config hc;
	uint32_t zero = 0;
	char v4[INET_ADDRSTRLEN], v6[INET6_ADDRSTRLEN];
	int err;

	if (!m)
		return -ENOENT;
	memset(&hc, 0, sizeof(hc));
	hc.dst_v4 = a->cfg.dst_v4;
	memcpy(hc.dst_v6, a->cfg.dst_v6, 16);
	hc.dst_port = a->cfg.dst_port;
	err = bpf_map_update(m->fd, &zero, &hc, BPF_ANY);
	if (err) {
		log_err("cannot write the filter into %s: %s", HUGINN_MAP_CONFIG, err_str(err));
		return err;
	}
	inet_ntop(AF_INET, &hc.dst_v4, v4, sizeof(v4));
	inet_ntop(AF_INET6, hc.dst_v6, v6, sizeof(v6));
	log_info("filter: destination %s / %s port %u (0.0.0.0, ::, 0 = any)", v4, v6, hc.dst_port);
	return 0;
}

int agent_prog_load(struct agent_state *a)
{
	struct bpf_prog_info pi;
	uint32_t len = sizeof(pi);
	char *vlog = calloc(1, VLOG_BYTES);
	int fd;

	fd = obj_load(&a->obj, vlog, vlog ? VLOG_BYTES : 0);
	if (fd < 0) {
		log_err("the kernel refused program %s: %s", a->obj.prog_name, err_str(fd));
		/* The tail of the verifier log, the part that says why. */
		if (vlog && vlog[0]) {
			size_t n = strlen(vlog);

			log_err("verifier: ...%s", vlog + (n > 600 ? n - 600 : 0));
		}
		free(vlog);
		return fd;
	}
	free(vlog);
	a->prog_fd = fd;
	memset(&pi, 0, sizeof(pi));
	if (!bpf_obj_get_info(fd, &pi, &len))
		a->prog_id = pi.id;
	log_info("loaded program %s (prog id %u, %zu instructions)", a->obj.prog_name, a->prog_id,
		 a->obj.insn_cnt);
	return 0;
}
