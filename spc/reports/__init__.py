"""The QA manager's reports: capability studies, violation Pareto, CSV/XLSX/PDF exports.

Not a Django app (no models): a package of views, an API, export writers and celery
tasks over ``spc``'s and ``alerts``' models. Statistics come from ``spc.core``; this
package only loads rows and lays them out.
"""
