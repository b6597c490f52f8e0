package lsp

// The values completion offers for flags and capabilities. The compiler
// keeps its own tables unexported (compiler/check_flag_unknown.go,
// compiler/caps.go); names_test.go checks these lists against the
// compiler's checks so that they cannot drift apart.

// contextFlags are util-vserver's context flags, as flag-unknown accepts
// them.
var contextFlags = []string{
	"lock", "nproc", "private", "fakeinit", "hideinfo", "ulimit", "namespace",
	"sched_hard", "sched_prio", "sched_pause",
	"virt_mem", "virt_uptime", "virt_cpu", "virt_load", "virt_time",
	"hide_mount", "hide_netif", "hide_vinfo",
	"state_setup", "state_init", "state_admin",
	"sc_normal", "sc_shutdown", "sc_helper",
	"reboot_kill", "persistent", "fork_rss", "prolific",
	"igneg_nice", "igneg_ionice",
}

// capabilities are Linux's capabilities without CAP_, in number order
// (CAP_CHOWN is 0).
var capabilities = []string{
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL",
	"SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE",
	"NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
	"SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
	"SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME",
	"SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL",
	"SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
	"BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
}

// dangerousCapabilities are those capability-dangerous warns about adding.
var dangerousCapabilities = map[string]bool{
	"SYS_ADMIN": true, "SYS_MODULE": true, "SYS_RAWIO": true, "SYS_BOOT": true,
	"SYS_PTRACE": true, "MKNOD": true, "NET_ADMIN": true, "DAC_READ_SEARCH": true,
	"SYS_TIME": true,
}
