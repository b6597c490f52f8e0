# The guests of the course, one per build method.

# vserver monvs build -m debootstrap --context 101 --hostname monvs.cume.fr \
#   --interface monvs=eth0:192.168.44.153/24 -- -d etch
guest "monvs" {
  context  = 101
  hostname = "monvs.cume.fr"
  flags    = ["virt_mem", "virt_uptime"]

  build {
    method       = "debootstrap"
    distribution = "etch"
    mirror       = "http://ftp.fr.debian.org/debian"
  }

  interface "0" {
    dev  = "eth0"
    ip   = "192.168.44.153/24"
    name = "monvs"
  }

  uts {
    nodename   = "monvs"
    domainname = "cume.fr"
  }

  rlimits {
    nproc  = 200
    nofile = { soft = 1024, hard = 4096 }
    as     = "512MiB"
  }

  sched {
    fill_rate  = 1
    interval   = 4 # at most a quarter of one CPU
    tokens_max = 500
  }

  cpuset {
    cpus = "0-1"
    mems = "0"
  }

  mount "/tmp" {
    source  = "none"
    type    = "tmpfs"
    options = ["size=16m", "mode=1777"]
  }

  hooks {
    pre_start = ["logger -t vsc starting monvs"]
  }
}

# vserver fc6 build -m yum --context 2006 --hostname fc6.cume.fr \
#   --interface fc6=eth0:192.68.44.156 -- -d fc6
# (the course's 192.68.44.156 is a typo for 192.168.44.156: vsc would have
# said so, ip-conflict aside, through route-missing or by the host's prefix)
guest "fc6" {
  context  = 2006
  hostname = "fc6.cume.fr"

  build {
    method       = "yum"
    distribution = "fc6"
  }

  interface "0" {
    dev  = "eth0"
    ip   = "192.168.44.156/24"
    name = "fc6"
  }
}

# vserver mandriva build -m template --context 2007 --hostname mandriva \
#   --interface mandriva=eth0:192.68.44.157 -- -t mandriva.tar.gz
guest "mandriva" {
  context  = 2007
  hostname = "mandriva"

  build {
    method  = "template"
    archive = "/var/cache/vservers/mandriva.tar.gz"
  }

  interface "0" {
    dev  = "eth0"
    ip   = "192.168.44.157/24"
    name = "mandriva"
  }

  init {
    style = "plain"
  }
}

# vserver testxid build -m rsync --context 300 --hostname testxid.cume.fr \
#   --interface eth0:192.168.44.158/24 -- --source /var/lib/vservers/monvs/
# then a disk limit of 200 MiB and 100,000 inodes, 5 % reserved for root.
guest "testxid" {
  context  = 300
  hostname = "testxid.cume.fr"

  build {
    method = "rsync"
    source = "/var/lib/vservers/monvs/"
  }

  interface "0" {
    dev  = "eth0"
    ip   = "192.168.44.158/24"
    name = "testxid"
  }

  disk_limit {
    directory    = "/var/lib/vservers/testxid"
    space_total  = "200MiB"
    inodes_total = 100000
    reserved     = 5
  }
}

# The two VLAN guests: each answers through its own table.
guest "vs_7" {
  context  = 7
  hostname = "vs7.cume.fr"

  build {
    method = "skeleton"
  }

  interface "0" {
    dev  = "eth0.7"
    ip   = "10.7.0.2/16"
    name = "vs7"
  }
}

guest "vs_8" {
  context  = 8
  hostname = "vs8.cume.fr"

  build {
    method = "clone"
    source = "/var/lib/vservers/vs_7"
  }

  interface "0" {
    dev  = "eth0.8"
    ip   = "10.8.0.2/16"
    name = "vs8"
  }
}
