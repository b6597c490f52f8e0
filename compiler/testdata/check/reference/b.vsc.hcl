# The names a configuration gives its own objects: hosts and links. (Route
# devs and rule tables need a host block of their own: see the
# gateway-unreachable and table-invalid folders; a guest without host among
# several hosts: see ip-conflict.)

guest "ref-host" {
  host    = "srv" # want "reference"
  context = 500
}

guest "ref-named-host" {
  host    = "srv1"
  context = 501
}

guest "ref-dev" {
  context = 502

  interface "0" {
    dev = "eth1" # want "reference"
    ip  = "10.50.0.2/24"
  }

  interface "1" {
    dev = "eth0"
    ip  = "10.0.0.51/24"
  }
}

guest "to-main" {
  context = 590

  interface "0" {
    dev = "eth0"
    ip  = "198.18.0.9/24"
  }
}
