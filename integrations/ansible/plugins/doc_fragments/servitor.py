# -*- coding: utf-8 -*-
# Copyright: servitor's authors
# MIT License (see the project's package.json)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The options every module of the collection takes (module_utils/servitor.py's SERVITOR_ARGUMENT_SPEC)."""

    DOCUMENTATION = r"""
options:
  user:
    description: A person's own systemd services (C(systemctl --user)) rather than the machine's.
    type: bool
    default: false
  executable:
    description: The servitor program, on PATH or by its path.
    type: str
    default: servitor
"""
