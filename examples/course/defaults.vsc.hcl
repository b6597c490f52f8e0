# util-vserver's /etc/vservers/.defaults: what every guest starts from.
defaults {
  nice      = 0
  autostart = false

  namespace {
    cleanup = true
  }

  init {
    style    = "sysv"
    runlevel = 3
  }

  reboot {
    action = "restart"
  }
}
