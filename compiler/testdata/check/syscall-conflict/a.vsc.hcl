host "srv1" {}

defaults {
  seccomp {
    deny = ["mbind"]
  }
}

guest "numa" {
  context = 300
  seccomp {
    allow = ["mbind"] # want "syscall-conflict"
  }
}

guest "own" {
  context = 301
  seccomp {
    allow = ["mbind", "move_pages"]
    deny  = []
  }
}

guest "both" {
  context = 302
  seccomp {
    allow = ["set_mempolicy"] # want "syscall-conflict"
    deny  = ["set_mempolicy"]
  }
}
