host "srv1" {
  interface "eth0" {}
}

guest "web" {
  context  = 300
  hostname = "web" + 1 # want "expression"

  interface "0" {
    dev = "eth0"
    ip  = cidrhost("10.0.0.0/30", 9) # want "expression"
  }
}
