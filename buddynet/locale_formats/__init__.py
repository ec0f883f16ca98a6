"""Django format modules of buddynet (FORMAT_MODULE_PATH): where nl-BE differs from Django's "nl".

Django's "nl" formats are those of the Netherlands; they are used for nl-be too, since Django has
no nl_BE module. Only the formats named here replace Django's; every other one (input formats,
separators, DATE_FORMAT "6 december 2026") stays Django's.
"""
