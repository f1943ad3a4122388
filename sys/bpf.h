/*
 * bpf.h - thin wrappers over the bpf(2) system call, one per command.
 *
 * Each wrapper zeroes a union bpf_attr, fills the fields its command reads and
 * calls the syscall directly (no libbpf).  Return: a new fd (O_CLOEXEC, as the
 * kernel always sets it for bpf fds) or 0 on success, -errno on failure.
 * EINTR/EAGAIN from the kernel are retried a bounded number of times where the
 * kernel documents them (prog load).  Nothing here prints or keeps state.
 */
#ifndef HUGINN_SYS_BPF_H
#define HUGINN_SYS_BPF_H

#include <stddef.h>
#include <stdint.h>

#include <linux/bpf.h>

/* Names are cut to BPF_OBJ_NAME_LEN - 1 bytes; the kernel rejects longer ones. */

/* BPF_MAP_CREATE.  name may be NULL. */
int bpf_map_create(uint32_t type, const char *name, uint32_t key_size, uint32_t value_size,
		   uint32_t max_entries, uint32_t map_flags);

/*
 * BPF_MAP_CREATE with BTF: btf_fd (from bpf_btf_load) describes the key and
 * value as the types key_type_id and value_type_id, so readers such as
 * bpftool print named fields.  The kernel checks that the types' sizes match
 * key_size and value_size (-EINVAL otherwise).  btf_fd -1 is bpf_map_create().
 */
int bpf_map_create_btf(uint32_t type, const char *name, uint32_t key_size, uint32_t value_size,
		       uint32_t max_entries, uint32_t map_flags, int btf_fd, uint32_t key_type_id,
		       uint32_t value_type_id);

/*
 * BPF_BTF_LOAD: hand a BTF blob (header, types, strings) to the kernel, which
 * validates it.  Returns the BTF object's fd.  As bpf_prog_load() does, a
 * refused blob is loaded again with a log when log/log_size (>= 128) are
 * given, so log says why (always NUL-terminated).
 */
int bpf_btf_load(const void *btf, size_t size, char *log, size_t log_size);

/* BPF_MAP_LOOKUP_ELEM.  -ENOENT if the key is absent. */
int bpf_map_lookup(int map_fd, const void *key, void *value);

/* BPF_MAP_UPDATE_ELEM; flags BPF_ANY / BPF_NOEXIST / BPF_EXIST. */
int bpf_map_update(int map_fd, const void *key, const void *value, uint64_t flags);

/* BPF_MAP_DELETE_ELEM.  -ENOENT if absent. */
int bpf_map_delete(int map_fd, const void *key);

/* BPF_MAP_GET_NEXT_KEY.  key NULL asks for the first key; -ENOENT after the last. */
int bpf_map_get_next_key(int map_fd, const void *key, void *next_key);

/*
 * BPF_PROG_LOAD.  license must be NUL-terminated; name may be NULL.  The
 * first attempt runs without a verifier log (cheap); only if it fails and
 * log/log_size are given is the load repeated with log level 1 so log holds
 * the verifier's reason (always NUL-terminated, possibly truncated).
 * expected_attach_type is 0 for a classic XDP program.
 */
int bpf_prog_load(uint32_t prog_type, const struct bpf_insn *insns, size_t insn_cnt,
		  const char *license, const char *name, uint32_t expected_attach_type, char *log,
		  size_t log_size);

/* BPF_OBJ_PIN: pin fd (map, prog or link) at path on a bpffs. */
int bpf_obj_pin(int fd, const char *path);

/* BPF_OBJ_GET: open a pinned object; file_flags 0, BPF_F_RDONLY or BPF_F_WRONLY. */
int bpf_obj_get(const char *path, uint32_t file_flags);

/*
 * BPF_OBJ_GET_INFO_BY_FD.  info points at a struct bpf_map_info /
 * bpf_prog_info / bpf_link_info, which the caller zeroes; *info_len is its
 * size on input and the size the kernel filled on output.
 */
int bpf_obj_get_info(int fd, void *info, uint32_t *info_len);

/* BPF_MAP_GET_FD_BY_ID / BPF_PROG_GET_FD_BY_ID (need CAP_SYS_ADMIN). */
int bpf_map_get_fd_by_id(uint32_t id);
int bpf_prog_get_fd_by_id(uint32_t id);

/*
 * BPF_LINK_CREATE.  For XDP: target_ifindex is the interface, attach_type
 * BPF_XDP, flags XDP_FLAGS_SKB_MODE / XDP_FLAGS_DRV_MODE (0 = kernel's choice).
 * Returns the link fd; the program stays attached while the fd or a pin lives.
 */
int bpf_link_create(int prog_fd, int target_ifindex, uint32_t attach_type, uint32_t flags);

/*
 * BPF_LINK_UPDATE: swap the program behind a link atomically.  old_prog_fd
 * >= 0 makes the swap conditional (BPF_F_REPLACE, -EPERM if it no longer
 * matches); -1 swaps unconditionally.
 */
int bpf_link_update(int link_fd, int new_prog_fd, int old_prog_fd);

/*
 * tcx (kernel 6.6) in the UAPI numbers; Debian 12's headers (6.1) predate it
 * and the values are ABI: BPF_LINK_TYPE_TCX of enum bpf_link_type, BPF_F_BEFORE
 * of the mprog attach flags (with no relative program: the head of the list).
 * BPF_TCX_INGRESS is OBJ_TCX_INGRESS (sys/obj.h).
 */
#define SYS_BPF_LINK_TYPE_TCX 11u
#define SYS_BPF_F_BEFORE (1u << 3)

/*
 * A tcx link's info (struct bpf_link_info's tcx member: ifindex, attach_type)
 * sits where the 6.1 header has xdp's: read as bytes.  ifindex 0: detached.
 */
uint32_t bpf_link_info_tcx_ifindex(const struct bpf_link_info *li);
uint32_t bpf_link_info_tcx_attach_type(const struct bpf_link_info *li);

/*
 * BPF_PROG_QUERY of a tcx hook (attach_type BPF_TCX_INGRESS / _EGRESS) on the
 * interface ifindex of the caller's network namespace: up to *count program
 * ids and link ids (in run order; link id 0 for a program attached without a
 * link), *count set to how many are attached.  -ENODEV (no such interface),
 * -ENOSPC when more than *count are attached (the first *count are filled).
 */
int bpf_tcx_query(int ifindex, uint32_t attach_type, uint32_t *prog_ids, uint32_t *link_ids,
		  uint32_t *count);

/* 1 if the tcx hook attach_type of ifindex (our namespace) runs link link_id, 0 if not. */
int bpf_tcx_has_link(int ifindex, uint32_t attach_type, uint32_t link_id);

/* BPF_LINK_DETACH: detach the link's program now, even if the link is pinned. */
int bpf_link_detach(int link_fd);

/*
 * BPF_PROG_TEST_RUN: run the program once per repeat (0 counts as 1) on
 * data_in.  data_out may be NULL; otherwise *size_out is its capacity on
 * input and the output length on return.  *retval gets the program's return
 * value (may be NULL).
 */
int bpf_prog_test_run(int prog_fd, const void *data_in, uint32_t size_in, void *data_out,
		      uint32_t *size_out, uint32_t *retval, uint32_t repeat);

/*
 * BPF_PROG_TEST_RUN for timing: repeat runs on data_in, output discarded.
 * *duration_ns gets the kernel's mean time per run (its own clock around the
 * program, so the syscall is not in it); *retval the last return value.
 */
int bpf_prog_test_time(int prog_fd, const void *data_in, uint32_t size_in, uint32_t repeat,
		       uint32_t *retval, uint32_t *duration_ns);

/* 0 if path is on a bpffs mount, -ENOTSUP if it is on another filesystem, -errno of statfs. */
int bpf_fs_check(const char *path);

/*
 * Lift RLIMIT_MEMLOCK to infinity: kernels before 5.11 charge bpf memory to
 * it.  0 on success or if already unlimited.  -EPERM without
 * CAP_SYS_RESOURCE, after raising the soft limit to the hard one; callers on
 * kernels >= 5.11 (memory cgroup accounting) may ignore that.
 */
int bpf_raise_memlock(void);

#endif /* HUGINN_SYS_BPF_H */
