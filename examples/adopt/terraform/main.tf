# Security groups as a team wrote them by hand, before sgc: inline rules, the older
# aws_security_group_rule, the newer rule resources, a name_prefix, the default group.
# `sgc import` reads their state (state.json) into a manifest; see "Adopting existing groups".

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

variable "vpc_id" {
  type    = string
  default = "vpc-0a1b2c3d4e5f67890"
}

locals {
  office = ["203.0.113.0/24", "198.51.100.10/32"]
}

resource "aws_default_security_group" "default" {
  vpc_id = var.vpc_id
}

resource "aws_security_group" "lb" {
  name        = "shop-lb"
  description = "Public load balancer"
  vpc_id      = var.vpc_id

  ingress {
    description      = "HTTPS"
    from_port        = 443
    to_port          = 443
    protocol         = "tcp"
    cidr_blocks      = ["0.0.0.0/0"]
    ipv6_cidr_blocks = ["::/0"]
  }
}

resource "aws_security_group" "app" {
  name_prefix = "app-"
  description = "Application servers"
  vpc_id      = var.vpc_id
  tags        = { Name = "app" }
}

resource "aws_security_group" "db" {
  name        = "shop-db"
  description = "PostgreSQL"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_egress_rule" "lb_to_app" {
  security_group_id            = aws_security_group.lb.id
  referenced_security_group_id = aws_security_group.app.id
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
}

resource "aws_vpc_security_group_ingress_rule" "app_from_lb" {
  security_group_id            = aws_security_group.app.id
  referenced_security_group_id = aws_security_group.lb.id
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
  description                  = "from the load balancer"
}

resource "aws_vpc_security_group_egress_rule" "app_all" {
  security_group_id = aws_security_group.app.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
}

resource "aws_vpc_security_group_ingress_rule" "db_from_app" {
  security_group_id            = aws_security_group.db.id
  referenced_security_group_id = aws_security_group.app.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

resource "aws_security_group_rule" "db_from_office" {
  type              = "ingress"
  security_group_id = aws_security_group.db.id
  cidr_blocks       = local.office
  protocol          = "tcp"
  from_port         = 5432
  to_port           = 5432
  description       = "office"
}

resource "aws_vpc_security_group_ingress_rule" "app_ssh_from_office" {
  for_each          = toset(local.office)
  security_group_id = aws_security_group.app.id
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  description       = "office"
}
