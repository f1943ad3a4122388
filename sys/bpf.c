/*
 * bpf.c - bpf(2) command wrappers.  See bpf.h for the contract.
 *
 * The attr union is always zeroed first: the kernel rejects a command whose
 * unused tail bytes are not zero, so a stale field would turn into EINVAL.
 */
#include "sys/bpf.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

/* Bounded retries of a load the kernel refused with EAGAIN/EINTR. */
#define BPF_LOAD_TRIES 5

static uint64_t ptr_u64(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	long r = syscall(__NR_bpf, cmd, attr, sizeof(*attr));

	return r < 0 ? -errno : (int)r;
}

/* Copy a name into a kernel name field, cut to fit with its NUL. */
static void set_name(char dst[BPF_OBJ_NAME_LEN], const char *name)
{
	size_t n;

	if (!name)
		return;
	n = strnlen(name, BPF_OBJ_NAME_LEN - 1);
	memcpy(dst, name, n);
}

int bpf_map_create_btf(uint32_t type, const char *name, uint32_t key_size, uint32_t value_size,
		       uint32_t max_entries, uint32_t map_flags, int btf_fd, uint32_t key_type_id,
		       uint32_t value_type_id)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = key_size;
	a.value_size = value_size;
	a.max_entries = max_entries;
	a.map_flags = map_flags;
	set_name(a.map_name, name);
	if (btf_fd >= 0) {
		a.btf_fd = (uint32_t)btf_fd;
		a.btf_key_type_id = key_type_id;
		a.btf_value_type_id = value_type_id;
	}
	return sys_bpf(BPF_MAP_CREATE, &a);
}

int bpf_map_create(uint32_t type, const char *name, uint32_t key_size, uint32_t value_size,
		   uint32_t max_entries, uint32_t map_flags)
{
	return bpf_map_create_btf(type, name, key_size, value_size, max_entries, map_flags, -1, 0,
				  0);
}

static int btf_load_once(const void *btf, size_t size, char *log, size_t log_size)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.btf = ptr_u64(btf);
	a.btf_size = (uint32_t)size;
	if (log && log_size) {
		a.btf_log_level = 1;
		a.btf_log_buf = ptr_u64(log);
		a.btf_log_size = (uint32_t)log_size;
	}
	return sys_bpf(BPF_BTF_LOAD, &a);
}

int bpf_btf_load(const void *btf, size_t size, char *log, size_t log_size)
{
	int r, r2;

	if (!btf || !size || size > UINT32_MAX)
		return -EINVAL;
	if (log && log_size)
		log[0] = '\0';
	if (log_size > UINT32_MAX >> 2)
		log_size = UINT32_MAX >> 2;
	r = btf_load_once(btf, size, NULL, 0);
	if (r >= 0 || !log || log_size < 128)
		return r;
	/* Again with a log, only to learn why; the first error is the one reported. */
	r2 = btf_load_once(btf, size, log, log_size);
	if (r2 >= 0) /* accepted the second time: keep it rather than leak it */
		return r2;
	log[log_size - 1] = '\0';
	return r;
}

static int map_elem(int cmd, int map_fd, const void *key, const void *value, uint64_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)map_fd;
	a.key = ptr_u64(key);
	a.value = ptr_u64(value);
	a.flags = flags;
	return sys_bpf(cmd, &a);
}

int bpf_map_lookup(int map_fd, const void *key, void *value)
{
	return map_elem(BPF_MAP_LOOKUP_ELEM, map_fd, key, value, 0);
}

int bpf_map_update(int map_fd, const void *key, const void *value, uint64_t flags)
{
	return map_elem(BPF_MAP_UPDATE_ELEM, map_fd, key, value, flags);
}

int bpf_map_delete(int map_fd, const void *key)
{
	return map_elem(BPF_MAP_DELETE_ELEM, map_fd, key, NULL, 0);
}

int bpf_map_get_next_key(int map_fd, const void *key, void *next_key)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)map_fd;
	a.key = ptr_u64(key);
	a.next_key = ptr_u64(next_key);
	return sys_bpf(BPF_MAP_GET_NEXT_KEY, &a);
}

static int prog_load_once(uint32_t prog_type, const struct bpf_insn *insns, size_t insn_cnt,
			  const char *license, const char *name, uint32_t expected_attach_type,
			  char *log, size_t log_size)
{
	union bpf_attr a;
	int r, i;

	memset(&a, 0, sizeof(a));
	a.prog_type = prog_type;
	a.insn_cnt = (uint32_t)insn_cnt;
	a.insns = ptr_u64(insns);
	a.license = ptr_u64(license);
	a.expected_attach_type = expected_attach_type;
	set_name(a.prog_name, name);
	if (log && log_size) {
		a.log_level = 1;
		a.log_buf = ptr_u64(log);
		a.log_size = (uint32_t)log_size;
	}
	for (i = 0; i < BPF_LOAD_TRIES; i++) {
		r = sys_bpf(BPF_PROG_LOAD, &a);
		if (r != -EAGAIN && r != -EINTR)
			break;
	}
	return r;
}

int bpf_prog_load(uint32_t prog_type, const struct bpf_insn *insns, size_t insn_cnt,
		  const char *license, const char *name, uint32_t expected_attach_type, char *log,
		  size_t log_size)
{
	int r, r2;

	if (!insns || !insn_cnt || insn_cnt > UINT32_MAX || !license)
		return -EINVAL;
	if (log && log_size)
		log[0] = '\0';
	/* The kernel's log buffer size field is 32 bits and it wants at least 128 bytes. */
	if (log_size > UINT32_MAX >> 2)
		log_size = UINT32_MAX >> 2;
	r = prog_load_once(prog_type, insns, insn_cnt, license, name, expected_attach_type, NULL,
			   0);
	if (r >= 0 || !log || log_size < 128)
		return r;
	/* Again with a log, only to learn why; the first error is the one reported. */
	r2 = prog_load_once(prog_type, insns, insn_cnt, license, name, expected_attach_type, log,
			    log_size);
	if (r2 >= 0) /* accepted the second time (a transient failure): keep it */
		return r2;
	log[log_size - 1] = '\0';
	return r;
}

int bpf_obj_pin(int fd, const char *path)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.pathname = ptr_u64(path);
	a.bpf_fd = (uint32_t)fd;
	return sys_bpf(BPF_OBJ_PIN, &a);
}

int bpf_obj_get(const char *path, uint32_t file_flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.pathname = ptr_u64(path);
	a.file_flags = file_flags;
	return sys_bpf(BPF_OBJ_GET, &a);
}

int bpf_obj_get_info(int fd, void *info, uint32_t *info_len)
{
	union bpf_attr a;
	int r;

	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = *info_len;
	a.info.info = ptr_u64(info);
	r = sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a);
	if (r == 0)
		*info_len = a.info.info_len;
	return r;
}

int bpf_map_get_fd_by_id(uint32_t id)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_id = id;
	return sys_bpf(BPF_MAP_GET_FD_BY_ID, &a);
}

int bpf_prog_get_fd_by_id(uint32_t id)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_id = id;
	return sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
}

int bpf_link_create(int prog_fd, int target_ifindex, uint32_t attach_type, uint32_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = (uint32_t)prog_fd;
	a.link_create.target_ifindex = (uint32_t)target_ifindex;
	a.link_create.attach_type = attach_type;
	a.link_create.flags = flags;
	return sys_bpf(BPF_LINK_CREATE, &a);
}

int bpf_link_update(int link_fd, int new_prog_fd, int old_prog_fd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.link_update.link_fd = (uint32_t)link_fd;
	a.link_update.new_prog_fd = (uint32_t)new_prog_fd;
	if (old_prog_fd >= 0) {
		a.link_update.flags = BPF_F_REPLACE;
		a.link_update.old_prog_fd = (uint32_t)old_prog_fd;
	}
	return sys_bpf(BPF_LINK_UPDATE, &a);
}

uint32_t bpf_link_info_tcx_ifindex(const struct bpf_link_info *li)
{
	uint32_t v;

	memcpy(&v, (const unsigned char *)&li->xdp, sizeof(v));
	return v;
}

uint32_t bpf_link_info_tcx_attach_type(const struct bpf_link_info *li)
{
	uint32_t v;

	memcpy(&v, (const unsigned char *)&li->xdp + 4, sizeof(v));
	return v;
}

/* The BPF_PROG_QUERY attributes as of kernel 6.6 (the 6.1 header lacks the last three). */
struct tcx_query_attr {
	uint32_t target_ifindex, attach_type, query_flags, attach_flags;
	uint64_t prog_ids;
	uint32_t count, pad;
	uint64_t prog_attach_flags, link_ids, link_attach_flags, revision;
};
_Static_assert(sizeof(struct tcx_query_attr) <= sizeof(union bpf_attr), "query fits the attr");

int bpf_tcx_query(int ifindex, uint32_t attach_type, uint32_t *prog_ids, uint32_t *link_ids,
		  uint32_t *count)
{
	struct tcx_query_attr q;
	union bpf_attr a;
	int r;

	memset(&q, 0, sizeof(q));
	q.target_ifindex = (uint32_t)ifindex;
	q.attach_type = attach_type;
	q.prog_ids = ptr_u64(prog_ids);
	q.link_ids = ptr_u64(link_ids);
	q.count = *count;
	memset(&a, 0, sizeof(a));
	memcpy(&a, &q, sizeof(q));
	r = sys_bpf(BPF_PROG_QUERY, &a);
	memcpy(&q, &a, sizeof(q));
	if (r == 0 || r == -ENOSPC)
		*count = q.count;
	return r;
}

int bpf_tcx_has_link(int ifindex, uint32_t attach_type, uint32_t link_id)
{
	/* More than 64 programs on one hook: the rest are not looked at (-ENOSPC fills 64). */
	uint32_t progs[64], links[64], n = 64, i;
	int err;

	if (ifindex <= 0 || !link_id)
		return 0;
	err = bpf_tcx_query(ifindex, attach_type, progs, links, &n);
	if (err && err != -ENOSPC)
		return 0;
	for (i = 0; i < n && i < 64; i++)
		if (links[i] == link_id)
			return 1;
	return 0;
}

int bpf_link_detach(int link_fd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.link_detach.link_fd = (uint32_t)link_fd;
	return sys_bpf(BPF_LINK_DETACH, &a);
}

int bpf_prog_test_run(int prog_fd, const void *data_in, uint32_t size_in, void *data_out,
		      uint32_t *size_out, uint32_t *retval, uint32_t repeat)
{
	union bpf_attr a;
	int r;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)prog_fd;
	a.test.data_in = ptr_u64(data_in);
	a.test.data_size_in = size_in;
	if (data_out && size_out) {
		a.test.data_out = ptr_u64(data_out);
		a.test.data_size_out = *size_out;
	}
	a.test.repeat = repeat;
	r = sys_bpf(BPF_PROG_TEST_RUN, &a);
	if (r == 0 || r == -ENOSPC) {
		/* On ENOSPC the kernel still reports the size it wanted to write. */
		if (data_out && size_out)
			*size_out = a.test.data_size_out;
		if (retval)
			*retval = a.test.retval;
	}
	return r;
}

int bpf_prog_test_time(int prog_fd, const void *data_in, uint32_t size_in, uint32_t repeat,
		       uint32_t *retval, uint32_t *duration_ns)
{
	union bpf_attr a;
	int r;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)prog_fd;
	a.test.data_in = ptr_u64(data_in);
	a.test.data_size_in = size_in;
	a.test.repeat = repeat;
	r = sys_bpf(BPF_PROG_TEST_RUN, &a);
	if (r == 0) {
		*retval = a.test.retval;
		*duration_ns = a.test.duration;
	}
	return r;
}

int bpf_fs_check(const char *path)
{
	struct statfs st;

	if (statfs(path, &st))
		return -errno;
	/* f_type's width and signedness differ between libcs: compare as unsigned 32 bits. */
	if ((uint32_t)st.f_type != (uint32_t)BPF_FS_MAGIC)
		return -ENOTSUP;
	return 0;
}

int bpf_raise_memlock(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl))
		return -errno;
	if (rl.rlim_cur == RLIM_INFINITY)
		return 0;
	{
		struct rlimit inf = {RLIM_INFINITY, RLIM_INFINITY};

		if (setrlimit(RLIMIT_MEMLOCK, &inf) == 0)
			return 0;
	}
	/* Without CAP_SYS_RESOURCE the hard limit stays: take what it allows. */
	if (errno == EPERM && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_MEMLOCK, &rl);
	}
	return -EPERM;
}
