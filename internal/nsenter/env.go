package nsenter

// The environment variables the constructor reads.
const (
	// EnvDir names the folder of namespace files to join.
	EnvDir = "_VSC_NSENTER"
	// EnvCgroups lists, one a line, the cgroup.procs files to join first.
	EnvCgroups = "_VSC_NSENTER_CGROUPS"
	// EnvLimits holds the nice value and rlimits to set first:
	// "nice=N;R=SOFT:HARD;…", R a resource's number.
	EnvLimits = "_VSC_NSENTER_LIMITS"
	// EnvExec set to "1" has the child apply the guest's walls and
	// execute the command after "--" itself, without starting Go, from
	// EnvChroot, EnvCaps, EnvScope and EnvFilter.
	EnvExec   = "_VSC_NSENTER_EXEC"
	EnvChroot = "_VSC_NSENTER_CHROOT"
	EnvCaps   = "_VSC_NSENTER_CAPS"
	EnvScope  = "_VSC_NSENTER_SCOPE"
	EnvFilter = "_VSC_NSENTER_FILTER"
)

// ExitFailed is the status of a process whose constructor failed: it
// never ran the command.
const ExitFailed = 125
