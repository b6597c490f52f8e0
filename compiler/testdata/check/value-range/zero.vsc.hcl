guest "vr-empty-limit" {
  host    = "srv1"
  context = 4000
  root    = "/srv/vr-empty-limit"

  disk_limit { # want "value-range"
    reserved = 5
  }
}

guest "vr-zero-procs" {
  host    = "srv1"
  context = 4001

  rlimits {
    nproc = 0 # want "value-range"
    rss   = { soft = 0, hard = 0 } # want "value-range"
    core  = 0
  }

  hooks {
    pre_start = ["echo ok", ""] # want "schema"
  }

  init {
    command = ["   "] # want "schema"
  }
}
