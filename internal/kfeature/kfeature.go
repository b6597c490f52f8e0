// Package kfeature is how vsc's kernel tests meet a kernel feature they
// need (VLAN, Dummy, Quota, CgroupV2, TimeNS): on a machine whose kernel
// lacks it, the test skips naming it; in the kernel lane (make
// test-kernel, VSC_KERNEL_LANE=1), whose stock kernel must have it, the
// test fails instead — there a feature test passes, never skips.
package kfeature

import (
	"os"
	"testing"
)

// LaneEnv is set to 1 by the kernel lane inside the VM it boots.
const LaneEnv = "VSC_KERNEL_LANE"

// InLane tells whether the tests run in the kernel lane.
func InLane() bool { return os.Getenv(LaneEnv) == "1" }

// Need ends the test when missing is not nil: the kernel lacks feature.
// Outside the lane it skips, saying so; in the lane it fails.
func Need(t testing.TB, feature string, missing error) {
	t.Helper()
	if missing == nil {
		return
	}
	if InLane() {
		t.Fatalf("the kernel lane's kernel lacks %s, which this test needs: %v", feature, missing)
	}
	t.Skipf("SKIP: this kernel has no %s support (make test-kernel runs this test on one that has): %v", feature, missing)
}
