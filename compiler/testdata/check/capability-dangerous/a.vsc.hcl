host "srv1" {}

guest "safe" {
  context = 300

  capabilities {
    add  = ["NET_BIND_SERVICE", "SYS_NICE", "SYS_RESOURCE"]
    drop = ["SYS_ADMIN", "SYS_MODULE", "MKNOD"]
  }
}

guest "admin" {
  context = 301

  capabilities {
    add = [
      "SYS_ADMIN", # want "capability-dangerous"
      "cap_sys_module", # want "capability-dangerous"
      "SYS_RAWIO", # want "capability-dangerous"
      "SYS_BOOT", # want "capability-dangerous"
      "SYS_PTRACE", # want "capability-dangerous"
      "MKNOD", # want "capability-dangerous"
      "NET_ADMIN", # want "capability-dangerous"
      "DAC_READ_SEARCH", # want "capability-dangerous"
      "CAP_SYS_TIME", # want "capability-dangerous"
      "CHOWN",
    ]
  }
}
