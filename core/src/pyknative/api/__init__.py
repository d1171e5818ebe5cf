"""Resource models and what plugin authors need to declare their own kinds.

A plugin's kind is an ``@attrs.frozen`` subclass of :class:`pyknative.api.meta.Resource` whose fields are declared
with :func:`wire` (camelCase wire keys) and keep unknown keys in an :func:`extra_field`; :func:`from_dict` and
:func:`to_dict` map it from and to its manifest.
"""

from pyknative.api._serde import extra_field, from_dict, to_dict, wire

__all__ = ["extra_field", "from_dict", "to_dict", "wire"]
