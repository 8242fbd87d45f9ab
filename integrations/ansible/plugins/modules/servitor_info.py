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
extends_documentation_fragment:
  - servitor.servitor.servitor
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
from ansible_collections.servitor.servitor.plugins.module_utils.servitor import (
    SERVITOR_ARGUMENT_SPEC,
    Servitor,
    ServitorError,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(SERVITOR_ARGUMENT_SPEC),
        supports_check_mode=True,
    )
    servitor = Servitor(module)
    try:
        services = servitor.list()
    except ServitorError as error:
        servitor.fail(error)
    module.exit_json(changed=False, servitor_services=services, ansible_facts=dict(servitor_services=services))


if __name__ == "__main__":
    main()
