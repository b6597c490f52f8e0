// The constructor of package nsenter: see its doc comment (nsenter.go).
// It runs before the Go runtime, single-threaded, and must stay plain C:
// no Go call, no allocation it cannot do without.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
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

void vsc_nsenter(void) {
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
	if (vsc_child == 0)
		return; // the Go runtime starts here, inside the guest

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
