host "srv1" {}

defaults {
  flags = ["virt_mem", "virt_uptme"] # want "flag-unknown"
}

guest "ok" {
  context = 300
  flags = [
    "lock", "nproc", "private", "fakeinit", "hideinfo", "ulimit", "namespace",
    "sched_hard", "sched_prio", "sched_pause",
    "virt_mem", "virt_uptime", "virt_cpu", "virt_load", "virt_time",
    "hide_mount", "hide_netif", "hide_vinfo",
    "state_setup", "state_init", "state_admin",
    "sc_normal", "sc_shutdown", "sc_helper",
    "reboot_kill", "persistent", "fork_rss", "prolific",
    "igneg_nice", "igneg_ionice",
  ]
}

guest "case" {
  context = 301
  flags = [
    "VIRT_MEM", # want "flag-unknown"
    "~hide_netif", # want "flag-unknown"
  ]
}

guest "bad" {
  context = 302
  flags = [
    "hide_netfi", # want "flag-unknown"
    "virtual_memory", # want "flag-unknown"
    "", # want "flag-unknown"
    "~nosuch", # want "flag-unknown"
  ]
}

guest "uses-defaults" {
  context = 303
}
