{ where: 'lib' }
