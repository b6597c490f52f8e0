# A fleet: one host, a web tier and a database tier made by for_each, their
# addresses computed from one subnet per tier.

variable "web_subnet" {
  type        = string
  default     = "10.20.0.0/24"
  description = "The web tier's subnet, on VLAN 20."
  validation {
    condition     = can(cidrnetmask(var.web_subnet))
    error_message = "web_subnet must be an IPv4 prefix such as 10.20.0.0/24."
  }
}

variable "webs" {
  type        = set(string)
  default     = ["alpha", "bravo", "charlie"]
  description = "The names of the web guests."
}

locals {
  db_subnet = cidrsubnet("10.30.0.0/16", 8, 1) # 10.30.1.0/24
  # Context ids: the web tier from 2000, the databases from 3000.
  webs = { for i, name in sort(tolist(var.webs)) : name => 2000 + i }
  dbs = {
    main    = { context = 3000, space = "2GiB", nofile = 8192 }
    replica = { context = 3001, space = "1GiB", nofile = 4096 }
  }
}

host "fleet1" {
  interface "eth0" {
    addresses = ["192.168.1.2/24"]
  }

  vlan "eth0.20" {
    link      = "eth0"
    id        = 20
    addresses = ["${cidrhost(var.web_subnet, 1)}/24"]
  }

  vlan "eth0.30" {
    link = "eth0"
    id   = 30
  }

  table "web" {
    id = 20
    route {
      to  = var.web_subnet
      dev = "eth0.20"
    }
    route {
      to  = "default"
      via = cidrhost(var.web_subnet, 254)
    }
  }

  table "db" {
    id = 30
    route {
      to  = local.db_subnet
      dev = "eth0.30"
    }
  }

  rule {
    from  = var.web_subnet
    table = "web"
  }

  rule {
    from  = local.db_subnet
    table = "db"
  }

  filesystem "/srv/guests" {
    device  = "/dev/vg0/guests"
    type    = "xfs"
    options = ["tagxid", "noatime"]
  }
}

defaults {
  autostart = true

  build {
    method  = "template"
    archive = "/srv/templates/debian-12.tar.xz"
  }

  rlimits {
    nofile = { soft = 1024, hard = 4096 }
    nproc  = 500
  }

  capabilities {
    drop = ["NET_RAW"]
  }

  init {
    style = "plain"
  }
}

guest "web" {
  for_each = local.webs
  context  = each.value
  hostname = "${each.key}.web.example.org"
  root     = "/srv/guests/web-${each.key}"

  interface "0" {
    dev  = "eth0.20"
    ip   = "${cidrhost(var.web_subnet, 10 + each.value - 2000)}/24"
    name = "w-${substr(each.key, 0, 4)}"
  }

  sched {
    fill_rate = 1
    interval  = 2 # half a CPU each
  }
}

guest "db" {
  for_each = local.dbs
  context  = each.value.context
  hostname = "${each.key}.db.example.org"
  root     = "/srv/guests/db-${each.key}"

  interface "0" {
    dev  = "eth0.30"
    ip   = "${cidrhost(local.db_subnet, 10 + each.value.context - 3000)}/24"
    name = each.key # "eth0.30:replica" is 15 bytes, the most a label holds
  }

  rlimits {
    nofile = each.value.nofile
    rss    = "4GiB"
  }

  disk_limit {
    space_total  = each.value.space
    inodes_total = 1000000
    reserved     = 5
  }

  hooks {
    post_start = ["logger -t vsc db ${each.key} up"]
  }
}
