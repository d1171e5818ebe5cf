"""An example pyknative plugin: the ``Inbox`` kind, its controller, ``get`` columns, a webhook route and a CLI verb."""
