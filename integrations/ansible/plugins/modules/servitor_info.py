#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: servitor's authors
# MIT License (see the project's package.json)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: servitor_info
short_description: Every servitor service's status, as facts
description:
  - Runs C(servitor list --json) and returns its array as C(servitor_services) (also set as a fact), each
    element the object C(servitor ManageService NAME status --json) prints.
version_added: "0.1.0"
options:
  user:
    description: A person's own systemd services (C(systemctl --user)) rather than the machine's.
    type: bool
    default: false
  executable:
    description: The servitor program, on PATH or by its path.
    type: str
    default: servitor
attributes:
  check_mode:
    support: full
author:
  - servitor's authors
"""

EXAMPLES = r"""
- servitor.servitor.servitor_info:
- ansible.builtin.debug:
    msg: "{{ servitor_services | selectattr('state', 'ne', 'running') | map(attribute='name') | list }}"
"""

RETURN = r"""
servitor_services:
  description: Every servitor service's status (C(servitor list --json)), sorted by name.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "Web", "state": "running", "pid": 812, "health": "healthy"}]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.servitor.servitor.plugins.module_utils.servitor import Servitor, ServitorError


def main():
    module = AnsibleModule(
        argument_spec=dict(
            user=dict(type="bool", default=False),
            executable=dict(type="str", default="servitor"),
        ),
        supports_check_mode=True,
    )
    servitor = Servitor(module, module.params["executable"], module.params["user"])
    try:
        services = servitor.list()
    except ServitorError as error:
        module.fail_json(msg=str(error), rc=error.rc, stdout=error.stdout, stderr=error.stderr)
    module.exit_json(changed=False, servitor_services=services, ansible_facts=dict(servitor_services=services))


if __name__ == "__main__":
    main()
