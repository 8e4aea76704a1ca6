from launcher.main import main

raise SystemExit(main())
