host "srv1" {}

guest "ok" {
  context = 300

  capabilities {
    add  = ["NET_BIND_SERVICE", "cap_sys_nice", "Cap_Chown", "CHECKPOINT_RESTORE"]
    drop = ["CAP_NET_RAW", "audit_write", "SYSLOG"]
  }
}

guest "typo" {
  context = 301

  capabilities {
    add  = ["SYS_NCE"] # want "capability-unknown"
    drop = ["NET_RAW", "CAP_FOO_BAR"] # want "capability-unknown"
  }
}

guest "ccap" {
  context = 302

  capabilities {
    drop = ["SECURE_MOUNT"] # want "capability-unknown"
    add  = [""] # want "capability-unknown"
  }
}

guest "prefix" {
  context = 303

  capabilities {
    add = ["CAP_CAP_CHOWN"] # want "capability-unknown"
  }
}
