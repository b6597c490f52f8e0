variable "required" { # want "variable-invalid"
  type = string
}

variable "count" {
  type    = number
  default = "many" # want "variable-invalid"
}

variable "subnet" {
  type    = string
  default = "10.0.0.0/33" # want "variable-invalid"
  validation {
    condition     = can(cidrnetmask(var.subnet))
    error_message = "subnet must be an IPv4 prefix such as 10.20.0.0/24."
  }
}

host "srv1" {}
