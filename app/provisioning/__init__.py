"""Provisioning packages: the answers of the WCD desktop wizard, customizations.xml, the bundle.

Qt-free. `model` holds the answers and their rules, `wcd_xml` writes and reads
customizations.xml, `bundle` is Joinery's signed (and encrypted) transport file, `build` ties
them together for the wizard and the `joinery package` commands.
"""
