/* SPDX-License-Identifier: GPL-2.0 */
/* What the lifecycle tests measure about their own process between rounds. */
#ifndef TCPTOP_LIFECYCLE_UTIL_H
#define TCPTOP_LIFECYCLE_UTIL_H

/* Mappings of BPF maps (the drain buffer, libbpf's .bss): one kept alive outlives its fd. */
long lifecycle_count_bpf_mappings(void);
/* VmRSS in kB, or -1. */
long lifecycle_rss_kb(void);
/* A whole number from the environment, or dflt when unset or empty. */
long lifecycle_env(const char *name, long dflt);

#endif
