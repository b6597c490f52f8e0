package nsenter

// The environment variables the constructor reads.
const (
	// EnvDir names the folder of namespace files to join.
	EnvDir = "_VSC_NSENTER"
	// EnvCgroups lists, one a line, the cgroup.procs files to join first.
	EnvCgroups = "_VSC_NSENTER_CGROUPS"
)

// ExitFailed is the status of a process whose constructor failed: it
// never ran the command.
const ExitFailed = 125
