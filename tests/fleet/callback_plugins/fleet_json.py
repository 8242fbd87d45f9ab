# The fleet tier's stdout callback: the whole run as one JSON object, in the form of ansible.posix's json
# callback ({plays: [{play, tasks: [{task, hosts: {host: result}}]}], stats}). ansible-core 2.19 no longer
# ships a json callback, and Debian packages ansible.posix only inside the whole `ansible` bundle.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = """
name: fleet_json
type: stdout
short_description: the run as one JSON object (the fleet tier's)
description: Each play, each task's result per host, and the stats, printed once at the end.
"""

import json

from ansible.parsing.ajson import AnsibleJSONEncoder
from ansible.plugins.callback import CallbackBase


def _result_of(result):
    return result.result if hasattr(result, "result") else result._result


def _host_of(result):
    return (result.host if hasattr(result, "host") else result._host).get_name()


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "fleet_json"

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.plays = []

    def v2_playbook_on_play_start(self, play):
        self.plays.append({"play": {"name": play.get_name()}, "tasks": []})

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.plays[-1]["tasks"].append({"task": {"name": task.get_name()}, "hosts": {}})

    v2_playbook_on_handler_task_start = v2_playbook_on_task_start

    def _record(self, result, **extra):
        entry = dict(_result_of(result))
        entry.update(extra)
        self.plays[-1]["tasks"][-1]["hosts"][_host_of(result)] = entry

    def v2_runner_on_ok(self, result, **kwargs):
        self._record(result)

    def v2_runner_on_failed(self, result, ignore_errors=False, **kwargs):
        # A failure the task expects (ignore_errors) is marked so: the stats count it as ignored.
        self._record(result, failed=True, ignored=bool(ignore_errors))

    def v2_runner_on_unreachable(self, result, **kwargs):
        self._record(result, unreachable=True)

    def v2_runner_on_skipped(self, result, **kwargs):
        self._record(result, skipped=True)

    def v2_playbook_on_stats(self, stats):
        summary = dict((host, stats.summarize(host)) for host in sorted(stats.processed.keys()))
        self._display.display(json.dumps({"plays": self.plays, "stats": summary}, cls=AnsibleJSONEncoder, indent=1))
