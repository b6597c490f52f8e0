host "srv1" {}

guest "web" {
  context = 300
  seccomp {
    allow = [
      "io_uring_setup", # want "syscall-dangerous"
      "open_by_handle_at", # want "syscall-dangerous"
      "mbind",
    ]
  }
}

guest "plain" {
  context = 301
  seccomp {
    deny = ["mbind"]
  }
}
