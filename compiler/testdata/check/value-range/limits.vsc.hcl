guest "disk-ok" {
  context = 320
  root    = "/srv/disk-ok"

  disk_limit {
    space_total  = 1
    inodes_total = 1
    reserved     = 0
  }
}

guest "disk-full" {
  context = 321
  root    = "/srv/disk-full"

  disk_limit {
    space_total  = "200MiB"
    inodes_total = 100000
    reserved     = 100
  }
}

guest "disk-bad" {
  context = 322
  root    = "/srv/disk-bad"

  disk_limit {
    space_total  = 0 # want "value-range"
    inodes_total = -1 # want "value-range"
    reserved     = 101 # want "value-range"
  }
}

guest "disk-neg" {
  context = 323
  root    = "/srv/disk-neg"

  disk_limit {
    space_total = -5 # want "value-range"
    reserved    = -1 # want "value-range"
  }
}

guest "rlimits" {
  context = 330

  rlimits {
    nproc   = 200
    nofile  = { soft = 1024, hard = 4096 }
    as      = { soft = "512MiB", hard = "unlimited" }
    core    = { soft = 0, hard = 0 }
    stack   = { soft = "16MiB", hard = "8MiB" } # want "value-range"
    memlock = { soft = "unlimited", hard = 65536 } # want "value-range"
    locks   = -1 # want "value-range"
  }
}

guest "sched-ok" {
  context = 340

  sched {
    fill_rate  = 1
    interval   = 4
    tokens     = 0
    tokens_min = 50
    tokens_max = 50
  }
}

guest "sched-bad" {
  context = 341

  sched {
    fill_rate  = 0 # want "value-range"
    interval   = -4 # want "value-range"
    tokens     = -1 # want "value-range"
    tokens_min = 500 # want "value-range"
    tokens_max = 100
  }
}

guest "cpuset-ok" {
  context = 350

  cpuset {
    cpus = "0-3,8,10-11"
    mems = "0"
  }
}

guest "cpuset-one" {
  context = 351

  cpuset {
    cpus = "3-3"
    mems = "0,1"
  }
}

guest "cpuset-backwards" {
  context = 352

  cpuset {
    cpus = "3-1" # want "value-range"
    mems = "" # want "value-range"
  }
}

guest "cpuset-junk" {
  context = 353

  cpuset {
    cpus = "0,,1" # want "value-range"
    mems = "a" # want "value-range"
  }
}

guest "cpuset-more" {
  context = 354

  cpuset {
    cpus = "0-" # want "value-range"
    mems = " 0" # want "value-range"
  }
}

guest "cpuset-sign" {
  context = 355

  cpuset {
    cpus = "-1" # want "value-range"
    mems = "0,1," # want "value-range"
  }
}
