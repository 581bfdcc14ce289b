from django.core.management.base import BaseCommand

from ketaclinic.treatment.seed import protocols_seed


class Command(BaseCommand):
    help = "Make the default treatment protocols that are missing (never overwrites)."

    def handle(self, *args, **options) -> None:
        made = protocols_seed()
        self.stdout.write(f"{made} protocol(s) made.")
