host "srv1" {}

guest "web" {
  context = 300
  seccomp {
    deny  = ["mbind", "open_by_handel_at"] # want "syscall-unknown"
    allow = ["OPEN"] # want "syscall-unknown"
  }
}

guest "db" {
  context = 301
  seccomp {
    deny = ["vm86", "clock_settime64", "arm_fadvise64_64", "" ] # want "syscall-unknown"
  }
}
