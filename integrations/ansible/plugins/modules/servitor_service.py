#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: servitor's authors
# MIT License (see the project's package.json)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: servitor_service
short_description: A program run as a service by servitor, as described
description:
  - Makes one service what I(config) describes, through C(servitor apply --json) (with C(--check) in check
    mode, C(--diff) in diff mode), doing only what differs; then brings it to I(state) with
    C(servitor ManageService).
  - A second run with the same options reports C(changed=false).
  - servitor's own one-line reason is the module's C(msg) when servitor fails.
version_added: "0.1.0"
options:
  name:
    description: The service's name.
    type: str
    required: true
  state:
    description:
      - C(present) makes the service what I(config) says and leaves it running or stopped as it is;
        C(started), C(stopped) and C(restarted) then start it (when it isn't running), stop it (when it
        isn't stopped) or restart it; C(absent) stops and removes it with its stored configuration.
    type: str
    choices: [present, absent, started, stopped, restarted]
    default: present
  config:
    description:
      - The service's settings, in the schema C(servitor apply) takes (C(servitor schema) prints it), for
        this one service; C(name) may be left out. Needed for every state but C(absent) when the service
        doesn't exist yet; without it an existing service's settings are left as they are.
    type: dict
  restart_on_change:
    description:
      - Restart the service when its program settings changed while it runs (C(apply --restart)); without
        it such a service is left running the old settings and reported C(restart pending).
    type: bool
    default: false
extends_documentation_fragment:
  - servitor.servitor.servitor
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
author:
  - servitor's authors
"""

EXAMPLES = r"""
- name: The shop's web site runs as a service
  servitor.servitor.servitor_service:
    name: Web
    state: started
    restart_on_change: true
    config:
      program: /srv/web/server
      arguments: [--port, "8080"]
      start: auto
      health: { check: "http://127.0.0.1:8080/health", intervalMs: 2000 }

- name: Restart it
  servitor.servitor.servitor_service:
    name: Web
    state: restarted

- name: Gone
  servitor.servitor.servitor_service:
    name: Web
    state: absent
"""

RETURN = r"""
status:
  description: The service's status, as C(servitor ManageService NAME status --json) prints it; empty when the
    service is absent (or, in check mode, not created yet).
  returned: always
  type: dict
  sample: {"name": "Web", "state": "running", "pid": 812, "programPid": 815, "health": "healthy"}
apply:
  description: This service's part of C(servitor apply --json)'s report, when I(config) was given.
  returned: when config is given
  type: dict
  sample: {"name": "Web", "action": "update", "changes": [{"path": "arguments", "before": ["--port", "80"],
    "after": ["--port", "8080"]}], "restart": "pending"}
restart_pending:
  description: Its program settings changed while it runs and it was not restarted (see I(restart_on_change)).
  returned: always
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.servitor.servitor.plugins.module_utils.servitor import (
    SERVITOR_ARGUMENT_SPEC,
    Servitor,
    ServitorError,
)

# The states in which a service counts as started: throttled (paused) it is still the host's to restart.
STARTED_STATES = ("running", "start_pending", "paused", "continue_pending")


def nested(changes, side):
    """Apply's changes (``{path, before, after}``, path such as ``output.stdout``) as one mapping per side."""
    result = {}
    for change in changes:
        value = change.get(side)
        if value is None:
            continue
        keys = change["path"].split(".")
        place = result
        for key in keys[:-1]:
            place = place.setdefault(key, {})
        place[keys[-1]] = value
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", default="present", choices=["present", "absent", "started", "stopped", "restarted"]),
            config=dict(type="dict"),
            restart_on_change=dict(type="bool", default=False),
            **SERVITOR_ARGUMENT_SPEC
        ),
        supports_check_mode=True,
    )
    name = module.params["name"]
    state = module.params["state"]
    config = module.params["config"]
    check = module.check_mode
    servitor = Servitor(module)
    result = dict(changed=False, status={}, restart_pending=False)
    before = {}
    after = {}

    try:
        status = servitor.status(name)
        if status is not None and status.get("program") is None:
            # A service of the machine's own that servitor did not make: never changed nor removed here.
            module.fail_json(msg="%s is a service servitor did not make: left alone" % name, **result)

        if state == "absent":
            if status is not None:
                result["changed"] = True
                if module._diff:
                    before = servitor.export(name)
                    before["state"] = status["state"]
                if not check:
                    servitor.manage(name, "remove", "--remove_install_args")
            if module._diff:
                result["diff"] = dict(before=before, after=after)
            module.exit_json(**result)

        restarted = False
        if config is not None:
            if config.get("name") not in (None, name):
                module.fail_json(msg="config.name is %s, but the service is %s" % (config["name"], name), **result)
            settings = dict((key, value) for key, value in config.items() if key != "name")
            report = servitor.apply({"services": {name: settings}}, check=check, diff=module._diff,
                                    restart=module.params["restart_on_change"])
            part = report["services"][0]
            result["apply"] = part
            if part["action"] != "unchanged":
                result["changed"] = True
                before.update(nested(part["changes"], "before"))
                after.update(nested(part["changes"], "after"))
            result["restart_pending"] = part["restart"] == "pending"
            restarted = part["restart"] == "done"
            if not check:
                status = servitor.status(name)
        elif status is None:
            module.fail_json(msg="no service named %s here: give its config to create it" % name, **result)

        # In check mode a service apply would create is not there yet: it counts as stopped.
        current = status["state"] if status else "stopped"
        wanted = None
        if state == "started" and current not in STARTED_STATES:
            wanted, mode = "running", "start"
        elif state == "stopped" and current != "stopped":
            wanted, mode = "stopped", "stop"
        elif state == "restarted" and not restarted:
            wanted, mode = "running", "restart" if current != "stopped" else "start"
        if wanted:
            result["changed"] = True
            before["state"] = current
            after["state"] = wanted
            if not check:
                servitor.manage(name, mode)
                status = servitor.status(name)
                result["restart_pending"] = False
    except ServitorError as error:
        servitor.fail(error, **result)

    result["status"] = status or {}
    if module._diff:
        result["diff"] = dict(before=before, after=after)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
