variable "subnet" {
  default = "10.0.0.0/24"
}

locals {
  base  = 300
  loopa = local.loopb
  loopb = local.loopa # want "reference"
}

host "srv1" {
  interface "eth0" {}

  rule {
    from  = "198.18.0.0/24"
    table = "254" # the kernel's main table: fine
  }

  rule {
    from  = "198.18.0.0/24"
    table = "0" # want "reference"
  }
}

guest "web" {
  context  = local.bse # want "reference"
  hostname = var.subnt # want "reference"
  root     = each.key # want "reference"
  nice     = nosuch(1) # want "reference"

  interface "0" {
    dev = "eth0"
    ip  = cidrhost(var.subnet, 5)
  }
}
