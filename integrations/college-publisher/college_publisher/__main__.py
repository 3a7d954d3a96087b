import sys

from college_publisher.cli import main

sys.exit(main())
