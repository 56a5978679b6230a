from scalebridge.cli.main import main

raise SystemExit(main())
