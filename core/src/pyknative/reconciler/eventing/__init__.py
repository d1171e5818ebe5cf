"""Eventing's controllers, built together: see :func:`pyknative.reconciler.eventing.controllers.new_controllers`.

Each kind's reconciler lives in its own package, as Serving's do: ``reconciler/broker``, ``reconciler/trigger``,
``reconciler/channel`` (the generic Channel), ``reconciler/channelable`` (the channel kinds plugins serve) and
``reconciler/subscription``.
"""
