"""The core's ``controllers`` plugin: Serving's and Eventing's controllers, through the same hook as any plugin's.

The platform holds no list of controllers: it asks every plugin's ``pyknative_controllers(platform)``; this one
answers the core's own, each built by its kind's ``controller.py``.
"""

from __future__ import annotations

from pyknative.hookspecs import hookimpl


class _CoreControllers:
    @hookimpl
    def pyknative_controllers(self, platform):
        from pyknative.reconciler.autoscaling import controller as pa_ctl
        from pyknative.reconciler.configuration import controller as config_ctl
        from pyknative.reconciler.containersource import controller as cs_ctl
        from pyknative.reconciler.eventing.controllers import new_controllers as eventing_controllers
        from pyknative.reconciler.ingress import controller as ingress_ctl
        from pyknative.reconciler.pingsource import controller as ping_ctl
        from pyknative.reconciler.revision import controller as rev_ctl
        from pyknative.reconciler.route import controller as route_ctl
        from pyknative.reconciler.service import controller as svc_ctl
        from pyknative.reconciler.sinkbinding import controller as sb_ctl

        serving = [m.new_controller(platform) for m in (svc_ctl, config_ctl, rev_ctl, pa_ctl, route_ctl, ingress_ctl)]
        core = [*serving, *eventing_controllers(platform), ping_ctl.new_controller(platform)]
        return [*core, cs_ctl.new_controller(platform), sb_ctl.new_controller(platform)]


plugin = _CoreControllers()
