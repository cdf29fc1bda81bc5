from crossmodal.cli import main

raise SystemExit(main())
