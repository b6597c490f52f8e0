// The constructor of package nsenter: see its doc comment (nsenter.go).
// It runs before the Go runtime, single-threaded, and must stay plain C:
// no Go call, no allocation it cannot do without.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <grp.h>
#include <signal.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define EXIT_FAILED 125

static pid_t vsc_child;

static void vsc_die(const char *what, const char *arg) {
	fprintf(stderr, "vsc: cannot enter the guest: %s %s: %s\n", what, arg, strerror(errno));
	_exit(EXIT_FAILED);
}

static void vsc_forward(int sig) {
	if (vsc_child > 0)
		kill(vsc_child, sig);
}

// vsc_join_cgroups writes 0 (the writer itself) to each cgroup.procs
// file of the newline-separated list.
static void vsc_join_cgroups(const char *list) {
	char path[4096];
	while (list && *list) {
		const char *end = strchr(list, '\n');
		size_t n = end ? (size_t)(end - list) : strlen(list);
		if (n > 0) {
			if (n >= sizeof(path)) {
				errno = ENAMETOOLONG;
				vsc_die("join cgroup", "(path too long)");
			}
			memcpy(path, list, n);
			path[n] = 0;
			int fd = open(path, O_WRONLY | O_CLOEXEC);
			if (fd < 0)
				vsc_die("open", path);
			if (write(fd, "0", 1) != 1)
				vsc_die("join cgroup", path);
			close(fd);
		}
		list = end ? end + 1 : NULL;
	}
}

// vsc_set_limits applies "nice=N;R=SOFT:HARD;…" (R a resource number):
// as the host's root, before the guest's user namespace, which could not
// raise them.
static void vsc_set_limits(const char *spec) {
	while (spec && *spec) {
		char *end;
		if (strncmp(spec, "nice=", 5) == 0) {
			long nice = strtol(spec + 5, &end, 10);
			if (setpriority(PRIO_PROCESS, 0, (int)nice) < 0)
				vsc_die("setpriority", "");
		} else {
			long res = strtol(spec, &end, 10);
			if (*end != '=') {
				errno = EINVAL;
				vsc_die("limits", spec);
			}
			struct rlimit rl;
			rl.rlim_cur = strtoull(end + 1, &end, 10);
			if (*end != ':') {
				errno = EINVAL;
				vsc_die("limits", spec);
			}
			rl.rlim_max = strtoull(end + 1, &end, 10);
			if (setrlimit((int)res, &rl) < 0)
				vsc_die("setrlimit", spec);
		}
		spec = strchr(spec, ';');
		if (spec)
			spec++;
	}
}

extern char **environ;

// vsc_exec_in_guest is the child's end in exec mode (_VSC_NSENTER_EXEC):
// it applies the guest's walls and executes argv after "--", without
// ever starting Go — the Go side (guest.Command) computed everything:
//
//	_VSC_NSENTER_CHROOT   a root to chroot into (a guest of an older vsc)
//	_VSC_NSENTER_CAPS     capability numbers to drop from the bounding set, comma-separated
//	_VSC_NSENTER_SCOPE    "1": a Landlock domain scoped to abstract unix sockets
//	_VSC_NSENTER_FILTER   the seccomp program, hex of struct sock_filter[] in host order
//
// The command's environment is this process's less every _VSC_ variable.
// Exit status: 127 when the program is not in the guest's PATH, 126 when
// it cannot be executed, 125 when a wall cannot be applied.
static void vsc_exec_in_guest(char **argv) {
	int i = 0;
	while (argv[i] && strcmp(argv[i], "--") != 0)
		i++;
	if (!argv[i] || !argv[i + 1]) {
		errno = EINVAL;
		vsc_die("exec", "(no command after --)");
	}
	char **cmd = argv + i + 1;

	const char *root = getenv("_VSC_NSENTER_CHROOT");
	if (root && *root && chroot(root) < 0)
		vsc_die("chroot", root);
	if (chdir("/") < 0)
		vsc_die("chdir", "/");

	const char *caps = getenv("_VSC_NSENTER_CAPS");
	while (caps && *caps) {
		char *end;
		long cap = strtol(caps, &end, 10);
		if (end == caps) {
			errno = EINVAL;
			vsc_die("caps", caps);
		}
		// A capability the running kernel does not have is not there to drop.
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			vsc_die("PR_CAPBSET_DROP", caps);
		caps = *end == ',' ? end + 1 : end;
	}

	const char *scope = getenv("_VSC_NSENTER_SCOPE");
	if (scope && strcmp(scope, "1") == 0) {
		long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1 /* LANDLOCK_CREATE_RULESET_VERSION */);
		if (abi >= 6) {
			unsigned long long attr[3] = {0, 0, 1 /* LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET */};
			long fd = syscall(SYS_landlock_create_ruleset, attr, sizeof(attr), 0);
			if (fd < 0)
				vsc_die("landlock_create_ruleset", "");
			if (syscall(SYS_landlock_restrict_self, fd, 0) < 0)
				vsc_die("landlock_restrict_self", "");
			close((int)fd);
		} else {
			fprintf(stderr, "vsc: this kernel cannot scope abstract unix sockets (Landlock ABI 6, Linux 6.12): this guest shares the host's network and can reach the host's abstract unix sockets\n");
		}
	}

	// The program's environment: this one's, less vsc's own variables.
	int n = 0;
	for (char **e = environ; *e; e++)
		n++;
	char **env = calloc(n + 1, sizeof(char *));
	if (!env)
		vsc_die("calloc", "");
	int k = 0;
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (char **e = environ; *e; e++) {
		if (strncmp(*e, "_VSC_", 5) == 0)
			continue;
		if (strncmp(*e, "PATH=", 5) == 0)
			path = *e + 5;
		env[k++] = *e;
	}

	// The program, looked up in the guest's PATH.
	static char prog[4096];
	if (strchr(cmd[0], '/')) {
		snprintf(prog, sizeof(prog), "%s", cmd[0]);
		if (access(prog, F_OK) < 0) {
			fprintf(stderr, "vsc exec: %s: %s\n", cmd[0], strerror(errno));
			_exit(127);
		}
	} else {
		prog[0] = 0;
		const char *p = path;
		while (*p) {
			const char *end = strchr(p, ':');
			size_t len = end ? (size_t)(end - p) : strlen(p);
			struct stat st;
			if (len > 0 && (size_t)snprintf(prog, sizeof(prog), "%.*s/%s", (int)len, p, cmd[0]) < sizeof(prog) &&
			    stat(prog, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111))
				break;
			prog[0] = 0;
			p = end ? end + 1 : p + len;
		}
		if (!prog[0]) {
			fprintf(stderr, "vsc exec: %s: not found in the guest's PATH %s\n", cmd[0], path);
			_exit(127);
		}
	}

	// Nothing of vsc's but stdin, stdout and stderr reaches the program.
	if (syscall(SYS_close_range, 3, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */) < 0)
		vsc_die("close_range", "");

	// The filter last: it may deny what the steps above used.
	const char *hex = getenv("_VSC_NSENTER_FILTER");
	if (!hex || !*hex) {
		errno = EINVAL;
		vsc_die("seccomp", "(no filter)");
	}
	size_t len = strlen(hex);
	if (len % 16 != 0 || len / 16 > 4096) {
		errno = EINVAL;
		vsc_die("seccomp", "(a malformed filter)");
	}
	unsigned char *raw = malloc(len / 2);
	if (!raw)
		vsc_die("malloc", "");
	for (size_t j = 0; j < len / 2; j++) {
		unsigned int byte;
		if (sscanf(hex + 2 * j, "%2x", &byte) != 1) {
			errno = EINVAL;
			vsc_die("seccomp", "(a malformed filter)");
		}
		raw[j] = (unsigned char)byte;
	}
	struct sock_fprog fprog = {.len = (unsigned short)(len / 16), .filter = (struct sock_filter *)raw};
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0)
		vsc_die("seccomp", "");

	execve(prog, cmd, env);
	fprintf(stderr, "vsc exec: cannot execute %s: %s\n", prog, strerror(errno));
	_exit(126);
}

void vsc_nsenter(int argc, char **argv) {
	(void)argc;
	// The user namespace last: the others are joined as the host's root,
	// which has every capability over them (a shared guest's network
	// namespace is the host's, where the guest's root has none).
	static const struct {
		const char *name;
		int type;
	} kinds[] = {
		{"net", CLONE_NEWNET}, {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS},
		{"time", CLONE_NEWTIME}, {"pid", CLONE_NEWPID}, {"mnt", CLONE_NEWNS},
		{"user", CLONE_NEWUSER},
	};
	enum { nkinds = sizeof(kinds) / sizeof(kinds[0]) };
	const char *dir = getenv("_VSC_NSENTER");
	if (dir == NULL || *dir == 0)
		return;

	// Nothing of the guest may trace or read this process while it holds
	// the host's: its memory, its descriptors, its /proc files are root's.
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		vsc_die("prctl", "PR_SET_DUMPABLE");
	vsc_join_cgroups(getenv("_VSC_NSENTER_CGROUPS"));
	vsc_set_limits(getenv("_VSC_NSENTER_LIMITS"));

	int fds[nkinds];
	char path[4096];
	for (int i = 0; i < nkinds; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, kinds[i].name) >= sizeof(path)) {
			errno = ENAMETOOLONG;
			vsc_die("open", dir);
		}
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0 && errno != ENOENT)
			vsc_die("open", path);
		if (fds[i] < 0 && (kinds[i].type == CLONE_NEWNS || kinds[i].type == CLONE_NEWPID))
			vsc_die("open", path);
	}
	for (int i = 0; i < nkinds; i++) {
		if (fds[i] < 0)
			continue;
		if (setns(fds[i], kinds[i].type) < 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, kinds[i].name);
			vsc_die("setns", path);
		}
		close(fds[i]);
		if (kinds[i].type == CLONE_NEWUSER) {
			// The host's root is nobody in the guest's namespace: become
			// the guest's root, with no supplementary group of the host's.
			if (setresgid(0, 0, 0) < 0)
				vsc_die("setresgid", "0");
			if (setgroups(0, NULL) < 0)
				vsc_die("setgroups", "");
			if (setresuid(0, 0, 0) < 0)
				vsc_die("setresuid", "0");
		}
	}

	vsc_child = fork();
	if (vsc_child < 0)
		vsc_die("fork", "");
	if (vsc_child == 0) {
		const char *mode = getenv("_VSC_NSENTER_EXEC");
		if (mode && strcmp(mode, "1") == 0)
			vsc_exec_in_guest(argv); // never returns
		return; // the Go runtime starts here, inside the guest
	}

	// The parent holds nothing but stdin, stdout and stderr: what else it
	// was given (a terminal's socket) is the child's.
	syscall(SYS_close_range, 3, ~0U, 0);

	// The parent: relay signals, mirror the child's end. From a terminal,
	// INT and QUIT already reach the child (same foreground process
	// group): relaying them would deliver them twice.
	int tty = isatty(0);
	static const int sigs[] = {SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESTART;
		sa.sa_handler = vsc_forward;
		if (tty && (sigs[i] == SIGINT || sigs[i] == SIGQUIT))
			sa.sa_handler = SIG_IGN;
		sigaction(sigs[i], &sa, NULL);
	}
	int status;
	while (waitpid(vsc_child, &status, 0) < 0) {
		if (errno != EINTR)
			vsc_die("wait", "");
	}
	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	if (WIFSIGNALED(status))
		_exit(128 + WTERMSIG(status));
	_exit(EXIT_FAILED);
}
