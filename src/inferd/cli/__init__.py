"""The ``inferd`` command: parse, call the library, render. No business logic here."""
