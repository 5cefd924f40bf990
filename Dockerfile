FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=openspc.settings_production
WORKDIR /app
# Pango and HarfBuzz: WeasyPrint renders the PDF reports with them.
RUN apt-get update && apt-get install -y --no-install-recommends \
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 && rm -rf /var/lib/apt/lists/*
COPY requirements.txt requirements-ldap.txt ./
# python-ldap has no wheel: build it against OpenLDAP's headers (kept: they pull in the
# run-time libraries, whose package names differ between Debian releases); drop the compiler.
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev libldap2-dev libsasl2-dev \
    && pip install --no-cache-dir -r requirements.txt -r requirements-ldap.txt \
    && apt-get purge -y --auto-remove gcc && rm -rf /var/lib/apt/lists/*
COPY . .
# collectstatic needs settings only: a throwaway key and host for the build step.
RUN OPENSPC_SECRET_KEY=build-only-key-not-used-at-run-time-0123456789 \
    OPENSPC_ALLOWED_HOSTS=build python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --home /app openspc \
    && mkdir -p /app/data/reports /app/data/beat && chown -R openspc /app/data \
    && chmod +x /app/deploy/entrypoint.sh
USER openspc
EXPOSE 8000
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "--proxy-headers", "openspc.asgi:application"]
