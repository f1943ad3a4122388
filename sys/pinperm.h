/*
 * pinperm.h - hand the agent's pins to one group, for a non-root reader.
 *
 * bpffs pins are created 0600 and owned by the creator (root), and opening
 * one, even with BPF_F_RDONLY, needs read permission on it.  With
 * HUGINN_EBPF_PIN_GID set the agent gives the pin directory and its map
 * pins to that group (read for the maps, search for the directory, never
 * write), so a proxy in the group, holding CAP_BPF, can open the maps
 * read-only.  The link pin is never passed here: it stays 0600.
 *
 * Changing the group without CAP_CHOWN works only when the caller owns the
 * file and is a member of the group (supplementary groups count): -EPERM
 * otherwise.  Nothing is created or removed here.
 */
#ifndef HUGINN_SYS_PINPERM_H
#define HUGINN_SYS_PINPERM_H

#include <stdint.h>

#define PINPERM_DIR_MODE 0750
#define PINPERM_MAP_MODE 0640

/*
 * The directory dir (an existing directory, not a symlink) becomes group gid,
 * mode PINPERM_DIR_MODE; its owner is kept.  0, -ENOTDIR, -ELOOP or -errno.
 */
int pinperm_dir(const char *dir, uint32_t gid);

/*
 * The pin dir/name (an existing non-directory, not a symlink) becomes group
 * gid, mode PINPERM_MAP_MODE; its owner is kept.  0, -EISDIR, -ELOOP,
 * -EINVAL (name with '/', empty) or -errno.
 */
int pinperm_map(const char *dir, const char *name, uint32_t gid);

#endif /* HUGINN_SYS_PINPERM_H */
