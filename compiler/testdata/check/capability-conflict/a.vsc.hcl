host "srv1" {}

defaults {
  capabilities {
    drop = ["AUDIT_WRITE"]
  }
}

guest "ok" {
  context = 300

  capabilities {
    add = ["SYS_NICE"]
  }
}

guest "both" {
  context = 301

  capabilities {
    add  = ["sys_nice"] # want "capability-conflict"
    drop = ["CAP_SYS_NICE"]
  }
}

# The defaults' drop still applies beside the guest's own add.
guest "override" {
  context = 302

  capabilities {
    add = ["AUDIT_WRITE"] # want "capability-conflict"
  }
}

# An own drop list replaces the defaults' one.
guest "own-drop" {
  context = 303

  capabilities {
    add  = ["AUDIT_WRITE"]
    drop = []
  }
}
