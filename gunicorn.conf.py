"""gunicorn settings for scripts/run.sh and deploy/systemd (gunicorn -c gunicorn.conf.py).

The access log names the path of each request, never its query string: searches carry
names, phone numbers and SSN digits there."""

accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
