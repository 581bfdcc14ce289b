from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from ketaclinic.core.demo import PATIENT_COUNT, STAFF, load_demo


class Command(BaseCommand):
    help = (
        "Load or refresh the demo clinic (one location, staff of every role, "
        f"{PATIENT_COUNT} fictitious patients). Running it again changes nothing. "
        "Staff passwords come from KETACLINIC_DEMO_PASSWORD."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-migrate", action="store_true", help="Do not apply migrations first."
        )

    def handle(self, *args, **options):
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        result = load_demo(password=settings.KETACLINIC_DEMO_PASSWORD)
        self.stdout.write(
            f"Demo clinic ready: {result.created_staff} staff and "
            f"{result.created_patients} patients added, {result.booked} visits booked."
        )
        self.stdout.write("Staff sign in at http://127.0.0.1:8000/sign-in/ as:")
        for username, role, *_ in STAFF:
            self.stdout.write(f"  {username:<10} ({role.label})")
        self.stdout.write(f"  password: {settings.KETACLINIC_DEMO_PASSWORD}")
